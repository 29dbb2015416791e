import { type ColumnType, type Generated, Kysely, PostgresDialect, SqliteDialect, type Transaction, sql } from 'kysely';
import type { Dataset } from '../../data';
import type { Impl, PeerTarget, ReadResult } from '../../impl/types';
import { chunks, openSqlite } from './sqlite';

/** Timestamps: Date on PostgreSQL (timestamptz), epoch milliseconds on SQLite, as the app stores them. */
type Timestamp = ColumnType<Date | number, Date | number, Date | number>;

interface Db {
  contractdesk_users: { id: string; username: string; email: string; role: string; created_at: Timestamp };
  contractdesk_contracts: {
    id: string;
    title: string;
    client_id: string;
    freelancer_id: string;
    // int8: text from pg, cast to text on SQLite (better-sqlite3 would round it to a double).
    amount: ColumnType<string, bigint | string, never>;
    status: string;
    currency: string;
    version: Generated<number>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
}

type Conflict = 'conflict';

const toDate = (v: Date | number): Date => (v instanceof Date ? v : new Date(v));

/**
 * Kysely's query builder on its own dialects: SqliteDialect over a better-sqlite3 connection, PostgresDialect
 * over a pg.Pool of the same size as the raw driver's. Plain builder calls (no prepared-statement caching,
 * no raw SQL) except BEGIN IMMEDIATE on SQLite, which Kysely's transaction() does not offer.
 */
export class KyselyImpl implements Impl {
  readonly name = 'kysely' as const;

  private constructor(
    private readonly db: Kysely<Db>,
    private readonly sqlite: boolean,
  ) {}

  static async open(target: PeerTarget): Promise<KyselyImpl> {
    if (target.dialect === 'sqlite') return new KyselyImpl(new Kysely<Db>({ dialect: new SqliteDialect({ database: openSqlite(target) }) }), true);
    const pool = new target.pg.Pool({ connectionString: target.url, max: target.poolMax });
    return new KyselyImpl(new Kysely<Db>({ dialect: new PostgresDialect({ pool }) }), false);
  }

  /**
   * A write transaction. SQLite: BEGIN IMMEDIATE on Kysely's one connection (its transaction() sends a
   * deferred BEGIN, which fails W5's racing processes with SQLITE_BUSY on the read-then-write upgrade).
   */
  private write<T>(work: (q: Kysely<Db> | Transaction<Db>) => Promise<T>): Promise<T> {
    if (!this.sqlite) return this.db.transaction().execute(work);
    return this.db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await work(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        await sql`rollback`.execute(conn);
        throw error;
      }
    });
  }

  private columns(q: Kysely<Db>) {
    return q
      .selectFrom('contractdesk_contracts')
      .select(['id', 'title', 'client_id', 'freelancer_id', 'status', 'currency', 'version', 'created_at', 'updated_at'])
      .select((eb) => (this.sqlite ? eb.cast<string>('amount', 'text').as('amount') : eb.ref('amount').as('amount')));
  }

  async w1(data: Dataset): Promise<void> {
    const ts = (d: Date) => (this.sqlite ? d.getTime() : d);
    await this.write(async (q) => {
      for (const part of chunks(data.users)) {
        await q.insertInto('contractdesk_users').values(part.map((u) => ({ id: u.id, username: u.username, email: u.email, role: u.role, created_at: ts(u.createdAt) }))).execute();
      }
      for (const part of chunks(data.contracts)) {
        await q
          .insertInto('contractdesk_contracts')
          .values(
            part.map((c) => ({
              id: c.id,
              title: c.title,
              client_id: c.clientId,
              freelancer_id: c.freelancerId,
              amount: this.sqlite ? c.amount : c.amount.toString(),
              status: 'draft',
              currency: 'XLM',
              version: 1,
              created_at: ts(c.createdAt),
              updated_at: ts(c.createdAt),
            })),
          )
          .execute();
      }
    });
  }

  async w2(ids: string[]): Promise<ReadResult[]> {
    const out: ReadResult[] = [];
    for (const id of ids) {
      const r = await this.columns(this.db).where('id', '=', id).executeTakeFirstOrThrow();
      out.push({ id: r.id, title: r.title, amount: BigInt(r.amount), version: r.version, status: r.status, createdAt: toDate(r.created_at) });
    }
    return out;
  }

  /** The raw driver's read-check-write: SELECT, compare the version, UPDATE … WHERE id AND version. */
  private async step(q: Kysely<Db>, id: string, expected: number): Promise<number | Conflict> {
    const row = await q.selectFrom('contractdesk_contracts').select(['version', 'status']).where('id', '=', id).executeTakeFirst();
    if (!row) throw new Error(`contract ${id} not found`);
    if (row.version !== expected) return 'conflict';
    if (row.status !== 'draft') throw new Error(`illegal transition from ${row.status}`);
    const now = this.sqlite ? Date.now() : new Date();
    const r = await q
      .updateTable('contractdesk_contracts')
      .set((eb) => ({ status: 'active', version: eb('version', '+', 1), updated_at: now }))
      .where('id', '=', id)
      .where('version', '=', expected)
      .executeTakeFirst();
    return r.numUpdatedRows === 1n ? expected + 1 : 'conflict';
  }

  transition(id: string): Promise<number | Conflict> {
    return this.write((q) => this.step(q, id, 1));
  }

  transitionPair(a: string, b: string): Promise<[number, number]> {
    return this.write(async (q) => {
      const versions: number[] = [];
      for (const id of [a, b]) {
        const v = await this.step(q, id, 1);
        if (v === 'conflict') throw new Error(`W6 conflict on ${id}`);
        versions.push(v);
      }
      return versions as [number, number];
    });
  }

  async list(clientId: string, limit: number): Promise<string[]> {
    const rows = await this.columns(this.db).where('client_id', '=', clientId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => r.id);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
