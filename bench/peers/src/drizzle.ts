import { and, desc, eq, sql } from 'drizzle-orm';
import { type BetterSQLite3Database, drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { type NodePgDatabase, drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { customType, integer as sqliteInteger, sqliteTable, text as sqliteText } from 'drizzle-orm/sqlite-core';
import { bigint, integer, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import type { Dataset } from '../../data';
import type { Impl, PeerTarget, ReadResult } from '../../impl/types';
import { chunks, openSqlite } from './sqlite';

// Schemas mirror the migrations (migrations/sqlite, migrations/postgresql); only what the workloads touch.

/** int64 written as a bigint; better-sqlite3 binds it exactly (read back through a text cast, below). */
const int64 = customType<{ data: bigint; driverData: bigint }>({ dataType: () => 'integer' });

const sqliteUsers = sqliteTable('contractdesk_users', {
  id: sqliteText('id').primaryKey(),
  username: sqliteText('username').notNull(),
  email: sqliteText('email').notNull(),
  role: sqliteText('role').notNull(),
  createdAt: sqliteInteger('created_at', { mode: 'timestamp_ms' }).notNull(),
});

const sqliteContracts = sqliteTable('contractdesk_contracts', {
  id: sqliteText('id').primaryKey(),
  title: sqliteText('title').notNull(),
  clientId: sqliteText('client_id').notNull(),
  freelancerId: sqliteText('freelancer_id').notNull(),
  amount: int64('amount').notNull(),
  status: sqliteText('status').notNull(),
  currency: sqliteText('currency').notNull(),
  version: sqliteInteger('version').notNull(),
  createdAt: sqliteInteger('created_at', { mode: 'timestamp_ms' }).notNull(),
  updatedAt: sqliteInteger('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

const pgUsers = pgTable('contractdesk_users', {
  id: uuid('id').primaryKey(),
  username: varchar('username', { length: 32 }).notNull(),
  email: varchar('email', { length: 254 }).notNull(),
  role: text('role').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

const pgContracts = pgTable('contractdesk_contracts', {
  id: uuid('id').primaryKey(),
  title: varchar('title', { length: 200 }).notNull(),
  clientId: uuid('client_id').notNull(),
  freelancerId: uuid('freelancer_id').notNull(),
  amount: bigint('amount', { mode: 'bigint' }).notNull(),
  status: text('status').notNull(),
  currency: text('currency').notNull(),
  version: integer('version').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

type Conflict = 'conflict';

const userRows = (data: Dataset) => data.users.map((u) => ({ id: u.id, username: u.username, email: u.email, role: u.role, createdAt: u.createdAt }));
const contractRows = (data: Dataset) =>
  data.contracts.map((c) => ({
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
  }));

/**
 * drizzle-orm on better-sqlite3: its synchronous API (`.get()`, `.run()`, `.all()`), as its docs show for this
 * driver, and `db.transaction(fn, { behavior: 'immediate' })` (better-sqlite3 transactions are synchronous).
 */
class DrizzleSqlite implements Impl {
  readonly name = 'drizzle' as const;
  private readonly columns;

  constructor(
    private readonly db: BetterSQLite3Database,
    private readonly client: { close(): unknown },
  ) {
    const c = sqliteContracts;
    // better-sqlite3 returns int64 as a double unless asked otherwise; the raw driver casts to text too.
    this.columns = { id: c.id, title: c.title, clientId: c.clientId, freelancerId: c.freelancerId, amount: sql<string>`cast(${c.amount} as text)`, status: c.status, currency: c.currency, version: c.version, createdAt: c.createdAt, updatedAt: c.updatedAt };
  }

  async w1(data: Dataset): Promise<void> {
    this.db.transaction(
      (tx) => {
        for (const part of chunks(userRows(data))) tx.insert(sqliteUsers).values(part).run();
        for (const part of chunks(contractRows(data))) tx.insert(sqliteContracts).values(part).run();
      },
      { behavior: 'immediate' },
    );
  }

  async w2(ids: string[]): Promise<ReadResult[]> {
    const out: ReadResult[] = [];
    for (const id of ids) {
      const r = this.db.select(this.columns).from(sqliteContracts).where(eq(sqliteContracts.id, id)).get()!;
      out.push({ id: r.id, title: r.title, amount: BigInt(r.amount), version: r.version, status: r.status, createdAt: r.createdAt });
    }
    return out;
  }

  private step(tx: Pick<BetterSQLite3Database, 'select' | 'update'>, id: string, expected: number): number | Conflict {
    const c = sqliteContracts;
    const row = tx.select({ version: c.version, status: c.status }).from(c).where(eq(c.id, id)).get();
    if (!row) throw new Error(`contract ${id} not found`);
    if (row.version !== expected) return 'conflict';
    if (row.status !== 'draft') throw new Error(`illegal transition from ${row.status}`);
    const r = tx
      .update(c)
      .set({ status: 'active', version: sql`${c.version} + 1`, updatedAt: new Date() })
      .where(and(eq(c.id, id), eq(c.version, expected)))
      .run();
    return r.changes === 1 ? expected + 1 : 'conflict';
  }

  async transition(id: string): Promise<number | Conflict> {
    return this.db.transaction((tx) => this.step(tx, id, 1), { behavior: 'immediate' });
  }

  async transitionPair(a: string, b: string): Promise<[number, number]> {
    return this.db.transaction(
      (tx) =>
        [a, b].map((id) => {
          const v = this.step(tx, id, 1);
          if (v === 'conflict') throw new Error(`W6 conflict on ${id}`);
          return v;
        }) as [number, number],
      { behavior: 'immediate' },
    );
  }

  async list(clientId: string, limit: number): Promise<string[]> {
    const c = sqliteContracts;
    const rows = this.db.select(this.columns).from(c).where(eq(c.clientId, clientId)).orderBy(desc(c.createdAt), desc(c.id)).limit(limit).all();
    return rows.map((r) => r.id);
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

/** drizzle-orm on node-postgres over a pg.Pool of the raw driver's size; `db.transaction(async (tx) => …)`. */
class DrizzlePg implements Impl {
  readonly name = 'drizzle' as const;

  constructor(private readonly db: NodePgDatabase & { $client: { end(): Promise<void> } }) {}

  async w1(data: Dataset): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const part of chunks(userRows(data))) await tx.insert(pgUsers).values(part);
      for (const part of chunks(contractRows(data))) await tx.insert(pgContracts).values(part);
    });
  }

  async w2(ids: string[]): Promise<ReadResult[]> {
    const out: ReadResult[] = [];
    for (const id of ids) {
      const [r] = await this.db.select().from(pgContracts).where(eq(pgContracts.id, id));
      out.push({ id: r.id, title: r.title, amount: r.amount, version: r.version, status: r.status, createdAt: r.createdAt });
    }
    return out;
  }

  private async step(tx: Pick<NodePgDatabase, 'select' | 'update'>, id: string, expected: number): Promise<number | Conflict> {
    const c = pgContracts;
    const [row] = await tx.select({ version: c.version, status: c.status }).from(c).where(eq(c.id, id));
    if (!row) throw new Error(`contract ${id} not found`);
    if (row.version !== expected) return 'conflict';
    if (row.status !== 'draft') throw new Error(`illegal transition from ${row.status}`);
    const r = await tx
      .update(c)
      .set({ status: 'active', version: sql`${c.version} + 1`, updatedAt: new Date() })
      .where(and(eq(c.id, id), eq(c.version, expected)));
    return r.rowCount === 1 ? expected + 1 : 'conflict';
  }

  transition(id: string): Promise<number | Conflict> {
    return this.db.transaction((tx) => this.step(tx, id, 1));
  }

  transitionPair(a: string, b: string): Promise<[number, number]> {
    return this.db.transaction(async (tx) => {
      const versions: number[] = [];
      for (const id of [a, b]) {
        const v = await this.step(tx, id, 1);
        if (v === 'conflict') throw new Error(`W6 conflict on ${id}`);
        versions.push(v);
      }
      return versions as [number, number];
    });
  }

  async list(clientId: string, limit: number): Promise<string[]> {
    const c = pgContracts;
    const rows = await this.db.select().from(c).where(eq(c.clientId, clientId)).orderBy(desc(c.createdAt), desc(c.id)).limit(limit);
    return rows.map((r) => r.id);
  }

  async close(): Promise<void> {
    await this.db.$client.end();
  }
}

export const DrizzleImpl = {
  async open(target: PeerTarget): Promise<Impl> {
    if (target.dialect === 'sqlite') {
      const client = openSqlite(target);
      return new DrizzleSqlite(drizzleSqlite({ client }), client);
    }
    const pool = new target.pg.Pool({ connectionString: target.url, max: target.poolMax });
    return new DrizzlePg(drizzlePg({ client: pool }));
  },
};
