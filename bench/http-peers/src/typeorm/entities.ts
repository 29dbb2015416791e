import { Column, Entity, PrimaryColumn, type ValueTransformer, VersionColumn } from 'typeorm';

/**
 * ContractDesk's tables as TypeORM entities. SQLite keeps timestamps as epoch milliseconds and amounts as int64
 * beyond 2^53, so that connection reads integers as bigint (defaultSafeIntegers) and these transformers convert
 * them; PostgreSQL has timestamptz and int8 (as text) and needs none of it. The classes are made per dialect
 * because the column types differ.
 */
const millis: ValueTransformer = { to: (d?: Date) => d?.getTime(), from: (v: bigint) => new Date(Number(v)) };
const smallInt: ValueTransformer = { to: (v?: number) => v, from: (v: bigint) => Number(v) };
const int64Text: ValueTransformer = { to: (v?: string) => v, from: (v: string | bigint) => String(v) };

export function entities(sqlite: boolean) {
  const id = sqlite ? ({ type: 'text' } as const) : ({ type: 'uuid' } as const);
  const ts = sqlite ? ({ type: 'integer', transformer: millis } as const) : ({ type: 'timestamptz' } as const);

  @Entity('contractdesk_users')
  class UserEntity {
    @PrimaryColumn(id) id!: string;
    @Column({ name: 'auth_subject', type: sqlite ? 'text' : 'varchar', nullable: true }) authSubject!: string | null;
  }

  @Entity('contractdesk_contracts')
  class ContractEntity {
    @PrimaryColumn(id) id!: string;
    @Column({ type: sqlite ? 'text' : 'varchar' }) title!: string;
    @Column({ name: 'client_id', ...id }) clientId!: string;
    @Column({ name: 'freelancer_id', ...id }) freelancerId!: string;
    @Column({ type: sqlite ? 'integer' : 'bigint', transformer: int64Text }) amount!: string;
    @Column({ type: 'text' }) currency!: string;
    @Column({ type: 'text' }) status!: string;
    @VersionColumn({ type: 'integer', ...(sqlite ? { transformer: smallInt } : {}) }) version!: number;
    @Column({ name: 'created_at', ...ts }) createdAt!: Date;
    // Set by the service, not @UpdateDateColumn: that writes CURRENT_TIMESTAMP text into SQLite's integer column.
    @Column({ name: 'updated_at', ...ts }) updatedAt!: Date;
  }

  return { UserEntity, ContractEntity };
}

export type Entities = ReturnType<typeof entities>;
export type ContractRow = InstanceType<Entities['ContractEntity']>;
