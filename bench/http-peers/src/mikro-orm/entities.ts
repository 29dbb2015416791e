import { BigIntType, Entity, ManyToOne, type Platform, PrimaryKey, Property, type Ref } from '@mikro-orm/core';

/**
 * ContractDesk's tables as plain MikroORM entities (the default underscore naming gives the column names).
 * better-sqlite3 rounds integers above 2^53 unless asked for bigints, so the amount is selected as text and
 * kept as the decimal string the response carries; pg returns int8 as text anyway.
 */
class Int64Text extends BigIntType<'string'> {
  constructor() {
    super('string');
  }

  override convertToJSValueSQL(key: string, _platform: Platform): string {
    return `cast(${key} as text)`;
  }
}

@Entity({ tableName: 'contractdesk_users' })
export class User {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'string', nullable: true }) authSubject?: string;
}

@Entity({ tableName: 'contractdesk_contracts' })
export class Contract {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'string' }) title!: string;
  @ManyToOne({ entity: () => User, ref: true }) client!: Ref<User>;
  @ManyToOne({ entity: () => User, ref: true }) freelancer!: Ref<User>;
  @Property({ type: Int64Text, columnType: 'bigint' }) amount!: string;
  @Property({ type: 'string' }) currency!: string;
  @Property({ type: 'string' }) status!: string;
  // MikroORM's optimistic lock: the flush writes `where id = ? and version = ?` and throws OptimisticLockError on a miss.
  @Property({ type: 'integer', version: true }) version!: number;
  @Property({ type: 'datetime' }) createdAt!: Date;
  @Property({ type: 'datetime', onUpdate: () => new Date() }) updatedAt!: Date;
}
