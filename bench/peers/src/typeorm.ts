import type Database from 'better-sqlite3';
import { Column, DataSource, Entity, type EntityManager, OptimisticLockVersionMismatchError, PrimaryColumn, VersionColumn, type ValueTransformer } from 'typeorm';
import type { Dataset } from '../../data';
import type { Impl, PeerTarget, ReadResult } from '../../impl/types';
import { INSERT_CHUNK, chunks, configure } from './sqlite';

type Conflict = 'conflict';

/**
 * SQLite stores timestamps as epoch milliseconds and amounts as int64 (the app's schema). The connection
 * runs with better-sqlite3's safe integers, so every integer arrives as a bigint and is converted here.
 */
const sqliteMillis: ValueTransformer = { to: (d?: Date) => d?.getTime(), from: (v: bigint) => new Date(Number(v)) };
const sqliteInt: ValueTransformer = { to: (v?: number) => v, from: (v: bigint) => Number(v) };
const int64: ValueTransformer = { to: (v?: bigint) => v?.toString(), from: (v: string | bigint) => BigInt(v) };

/**
 * TypeORM entities for one dialect (the column types differ, the classes are the same shape). Plain
 * foreign-key columns, no relations: no workload loads a party.
 */
function entities(sqlite: boolean) {
  const id = sqlite ? ({ type: 'text' } as const) : ({ type: 'uuid' } as const);
  const ts = sqlite ? ({ type: 'integer', transformer: sqliteMillis } as const) : ({ type: 'timestamptz' } as const);

  @Entity('contractdesk_users')
  class UserEntity {
    @PrimaryColumn(id) id!: string;
    @Column({ type: sqlite ? 'text' : 'varchar' }) username!: string;
    @Column({ type: sqlite ? 'text' : 'varchar' }) email!: string;
    @Column({ type: 'text' }) role!: string;
    @Column({ name: 'created_at', ...ts }) createdAt!: Date;
  }

  @Entity('contractdesk_contracts')
  class ContractEntity {
    @PrimaryColumn(id) id!: string;
    @Column({ type: sqlite ? 'text' : 'varchar' }) title!: string;
    @Column({ name: 'client_id', ...id }) clientId!: string;
    @Column({ name: 'freelancer_id', ...id }) freelancerId!: string;
    @Column({ type: sqlite ? 'integer' : 'bigint', transformer: int64 }) amount!: bigint;
    @Column({ type: 'text' }) status!: string;
    @Column({ type: 'text' }) currency!: string;
    // TypeORM's optimistic version: checked by find's `lock: { mode: 'optimistic' }`, bumped by update/save.
    @VersionColumn({ type: 'integer', ...(sqlite ? { transformer: sqliteInt } : {}) }) version!: number;
    @Column({ name: 'created_at', ...ts }) createdAt!: Date;
    // A plain column, not @UpdateDateColumn: that writes CURRENT_TIMESTAMP text into SQLite's integer column.
    @Column({ name: 'updated_at', ...ts }) updatedAt!: Date;
  }

  return { UserEntity, ContractEntity };
}

type Entities = ReturnType<typeof entities>;

/**
 * TypeORM with entities, the EntityManager/repository API and its @VersionColumn. The version-checked
 * write is find with `lock: { mode: 'optimistic', version }` then `update({ id, version }, …)` with an
 * affected-rows check: save() would write `WHERE id = ?` only, so on PostgreSQL (READ COMMITTED) two racers
 * that both read version 1 would both commit. Transactions: `dataSource.transaction()` on PostgreSQL;
 * on SQLite BEGIN IMMEDIATE on its (single) query runner, as TypeORM only sends a deferred BEGIN.
 */
export class TypeOrmImpl implements Impl {
  readonly name = 'typeorm' as const;

  private constructor(
    private readonly ds: DataSource,
    private readonly e: Entities,
    private readonly sqlite: boolean,
  ) {}

  static async open(target: PeerTarget): Promise<TypeOrmImpl> {
    const sqlite = target.dialect === 'sqlite';
    const e = entities(sqlite);
    const ds =
      target.dialect === 'sqlite'
        ? new DataSource({
            type: 'better-sqlite3',
            database: target.path,
            driver: target.betterSqlite3,
            timeout: target.busyTimeoutMs,
            prepareDatabase: (db: Database.Database) => {
              configure(db, target.busyTimeoutMs);
              db.defaultSafeIntegers(true);
            },
            entities: [e.UserEntity, e.ContractEntity],
          })
        : new DataSource({ type: 'postgres', url: target.url, driver: target.pg, poolSize: target.poolMax, entities: [e.UserEntity, e.ContractEntity] });
    await ds.initialize();
    return new TypeOrmImpl(ds, e, sqlite);
  }

  private async write<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    if (!this.sqlite) return this.ds.transaction(work);
    const qr = this.ds.createQueryRunner();
    await qr.query('BEGIN IMMEDIATE');
    try {
      const result = await work(qr.manager);
      await qr.query('COMMIT');
      return result;
    } catch (error) {
      await qr.query('ROLLBACK');
      throw error;
    }
  }

  async w1(data: Dataset): Promise<void> {
    const { UserEntity, ContractEntity } = this.e;
    // A multi-row INSERT per chunk through the QueryBuilder is TypeORM's bulk path; save() would first SELECT every
    // id. updateEntity(false): without it TypeORM re-reads the inserted rows on SQLite (no RETURNING there) with one
    // `id = ? OR id = ? …` per row, which SQLite refuses past 1,000 terms ("Expression tree is too large").
    const insert = async (m: EntityManager, target: typeof UserEntity | typeof ContractEntity, rows: object[]) => {
      await m.createQueryBuilder().insert().into(target).values(rows).updateEntity(false).execute();
    };
    await this.write(async (m) => {
      const users = data.users.map((u) => m.create(UserEntity, { id: u.id, username: u.username, email: u.email, role: u.role, createdAt: u.createdAt }));
      for (const part of chunks(users)) await insert(m, UserEntity, part);
      const contracts = data.contracts.map((c) =>
        m.create(ContractEntity, {
          id: c.id,
          title: c.title,
          clientId: c.clientId,
          freelancerId: c.freelancerId,
          amount: c.amount,
          status: 'draft',
          currency: 'XLM',
          version: 1,
          createdAt: c.createdAt,
          updatedAt: c.createdAt,
        }),
      );
      for (const part of chunks(contracts, INSERT_CHUNK)) await insert(m, ContractEntity, part);
    });
  }

  async w2(ids: string[]): Promise<ReadResult[]> {
    const repo = this.ds.getRepository(this.e.ContractEntity);
    const out: ReadResult[] = [];
    for (const id of ids) out.push(await repo.findOneByOrFail({ id }));
    return out;
  }

  private async step(m: EntityManager, id: string, expected: number): Promise<number | Conflict> {
    const { ContractEntity } = this.e;
    let contract: InstanceType<typeof ContractEntity> | null;
    try {
      contract = await m.findOne(ContractEntity, { where: { id }, lock: { mode: 'optimistic', version: expected } });
    } catch (error) {
      if (error instanceof OptimisticLockVersionMismatchError) return 'conflict';
      throw error;
    }
    if (!contract) throw new Error(`contract ${id} not found`);
    if (contract.status !== 'draft') throw new Error(`illegal transition from ${contract.status}`);
    // The @VersionColumn makes update() add `version = version + 1`.
    const r = await m.update(ContractEntity, { id, version: expected }, { status: 'active', updatedAt: new Date() });
    return r.affected === 1 ? expected + 1 : 'conflict';
  }

  transition(id: string): Promise<number | Conflict> {
    return this.write((m) => this.step(m, id, 1));
  }

  transitionPair(a: string, b: string): Promise<[number, number]> {
    return this.write(async (m) => {
      const versions: number[] = [];
      for (const id of [a, b]) {
        const v = await this.step(m, id, 1);
        if (v === 'conflict') throw new Error(`W6 conflict on ${id}`);
        versions.push(v);
      }
      return versions as [number, number];
    });
  }

  async list(clientId: string, limit: number): Promise<string[]> {
    const rows = await this.ds.getRepository(this.e.ContractEntity).find({ where: { clientId }, order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
    return rows.map((r) => r.id);
  }

  async close(): Promise<void> {
    await this.ds.destroy();
  }
}
