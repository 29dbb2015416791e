import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Options } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { type ContractDeskOrm, assertContractDeskReady, initOrm } from 'contractdesk';
import { type Dataset, concurrentSchedule } from './data';
import { RawSqlite } from './impl/raw-sqlite';
import { RawPg } from './impl/raw-pg';
import { throwawayPgDatabase } from './throwaway-pg';
import { PlainOrm, ServicesImpl } from './impl/orm';
import { plainOrmOptions } from './baseline';
import { type AttemptTally, type ImplName, type Impls, type PeerName, type PeersModule, runQueues } from './impl/types';
import { loadBetterSqlite3 } from 'contractdesk/internal';

const quiet = () => undefined;

/** One database under test: the variants (core three and any peers), plus an untimed side channel for resets and checks. */
export interface DialectContext {
  dialect: 'sqlite' | 'postgresql';
  impls: Impls;
  /** Variants this database does not have, and why (the report says so); a selected variant is either here or in impls. */
  notRun: Partial<Record<ImplName, string>>;
  settings: Record<string, string>;
  /** How W5 runs here, for the report. */
  w5Shape: string;
  reset(): Promise<void>;
  scalar(sql: string): Promise<string>;
  /** W5 over `ids`; no client starts a new attempt after `until` (epoch ms). */
  w5(impl: ImplName, ids: string[], until: number): Promise<AttemptTally>;
  close(): Promise<void>;
}

async function migrated(env: Record<string, string>): Promise<ContractDeskOrm> {
  const orm = await initOrm({ env, log: quiet, options: plainOrmOptions(env) });
  await orm.getMigrator().up();
  return orm;
}

/** Why `services-stock` has no SQLite column (the report prints it under the table). */
export const SERVICES_STOCK_NOT_ON_SQLITE =
  "on SQLite ContractDesk requires its own driver (its write transactions BEGIN IMMEDIATE); a host ORM on MikroORM's stock SQLite driver is refused at startup with CONFIG.SQLITE_DRIVER_REQUIRED, so there is no stock-driver setup to measure";

/**
 * `services-stock`: ContractDesk's services on an ORM set up the way a host's is: MikroORM's stock PostgreSqlDriver
 * instead of ContractDesk's, and MikroORM's default `useBatchUpdates: true` where ContractDesk's config turns it
 * off. Everything else (pool size and timeouts, entities, metadata provider) is initOrm's, as for `services`, so
 * what the two columns differ by is the driver and that default.
 */
async function stockDriverOrm(env: Record<string, string>): Promise<ContractDeskOrm> {
  const orm = await initOrm({ env, log: quiet, options: { driver: PostgreSqlDriver, useBatchUpdates: true } as Partial<Options> });
  try {
    // What ContractDeskModule.forFeature checks when a host starts; then that the variant is what its name says.
    assertContractDeskReady(orm);
    const driver = orm.em.getDriver().constructor;
    if (driver !== PostgreSqlDriver) throw new Error(`services-stock: expected MikroORM's PostgreSqlDriver, got ${driver.name}`);
    if (orm.config.get('useBatchUpdates') !== true) throw new Error('services-stock: expected useBatchUpdates on');
  } catch (error) {
    await orm.close(true).catch(() => undefined);
    throw error;
  }
  return orm;
}

const WORKER = join(__dirname, `w5-worker${__filename.endsWith('.ts') ? '.ts' : '.js'}`);

/** The peers a context opens: their names and the loaded bench/peers module (none when not selected or not installed). */
export interface PeerSelection {
  names: PeerName[];
  module?: PeersModule;
}

/** Same busy timeout as the raw driver's connections (bench/impl/raw-sqlite.ts). */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

export async function sqliteContext(processes: number, peers: PeerSelection = { names: [] }, servicesStock = false): Promise<DialectContext> {
  const dir = mkdtempSync(join(tmpdir(), 'contractdesk-bench-'));
  const path = join(dir, 'bench.sqlite3');
  const env = { DB_PATH: path };
  const plainOrm = await migrated(env);
  const raw = new RawSqlite(path);
  const impls: Impls = { raw, plain: new PlainOrm(plainOrm), services: new ServicesImpl(await initOrm({ env, log: quiet })) };
  for (const name of peers.module ? peers.names : []) {
    impls[name] = await peers.module!.createPeer(name, { dialect: 'sqlite', path, busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS, betterSqlite3: loadBetterSqlite3() });
  }
  const execArgv = __filename.endsWith('.ts') ? ['-r', 'ts-node/register/transpile-only'] : [];
  const workers: ChildProcess[] = [];
  await Promise.all(
    Array.from({ length: processes }, () => {
      const child = fork(WORKER, [path, peers.module ? peers.names.join(',') : ''], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      workers.push(child);
      return new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`W5 worker exited early (${code})`)));
      });
    }),
  );
  const pragma = (name: string) => String(raw.db.pragma(name, { simple: true }));
  const settings = {
    sqlite: String(raw.db.prepare('select sqlite_version() v').pluck().get()),
    file: 'temp file (os.tmpdir), WAL',
    journal_mode: pragma('journal_mode'),
    synchronous: pragma('synchronous') === '1' ? 'NORMAL (1)' : pragma('synchronous'),
    busy_timeout: pragma('busy_timeout'),
    'ORM pool': '1 connection per ORM (app config)',
    ...(peers.module && peers.names.length ? { peers: `${peers.names.join(', ')}: 1 better-sqlite3 connection each, same pragmas` } : {}),
  };
  return {
    dialect: 'sqlite',
    impls,
    notRun: servicesStock ? { 'services-stock': SERVICES_STOCK_NOT_ON_SQLITE } : {},
    settings,
    w5Shape: `${processes} OS processes, each its own connection(s)`,
    async reset() {
      raw.reset();
      raw.db.pragma('wal_checkpoint(TRUNCATE)');
    },
    async scalar(sql) {
      return String(raw.db.prepare(sql).pluck().get());
    },
    async w5(impl, ids, until) {
      const queues = concurrentSchedule(ids, processes);
      const tallies = await Promise.all(
        workers.map(
          (child, k) =>
            new Promise<AttemptTally>((resolve) => {
              child.once('message', (m: { tally: AttemptTally }) => resolve(m.tally));
              child.send({ cmd: 'run', impl, queue: queues[k], until });
            }),
        ),
      );
      return tallies.reduce((a, t) => ({ ok: a.ok + t.ok, conflicts: a.conflicts + t.conflicts, errors: a.errors.concat(t.errors) }));
    },
    async close() {
      await Promise.all(
        workers.map((child) => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.send({ cmd: 'exit' })))),
      );
      for (const impl of Object.values(impls)) await impl!.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}


/** `servicesStock`: also open the `services-stock` variant (its own ORM and pool of `clients`). */
export async function postgresContext(clients: number, peers: PeerSelection = { names: [] }, servicesStock = false): Promise<DialectContext> {
  const db = await throwawayPgDatabase('bench');
  try {
    const url = db.url;
    const env = { DATABASE_URL: url, DB_POOL_MAX: String(clients) };
    const plainOrm = await migrated(env);
    const side = new Client({ connectionString: url });
    await side.connect();
    const impls: Impls = {
      raw: new RawPg(url, clients),
      plain: new PlainOrm(plainOrm),
      services: new ServicesImpl(await initOrm({ env, log: quiet })),
    };
    if (servicesStock) impls['services-stock'] = new ServicesImpl(await stockDriverOrm(env), 'services-stock');
    for (const name of peers.module ? peers.names : []) {
      impls[name] = await peers.module!.createPeer(name, { dialect: 'postgresql', url, poolMax: clients, pg: await import('pg') });
    }
    const show = async (s: string) => String((await side.query(`show ${s}`)).rows[0][s]);
    const settings: Record<string, string> = {
      server: String((await side.query('select version() v')).rows[0].v).split(' on ')[0],
      connection: 'TCP loopback 127.0.0.1 (or DATABASE_URL server)',
      pool: `${clients} connections (raw pg.Pool, each ORM's knex pool${peers.module && peers.names.length ? ` and each peer's pg.Pool: ${peers.names.join(', ')}` : ''})`,
    };
    if (servicesStock) settings['services-stock'] = "MikroORM's PostgreSqlDriver (@mikro-orm/postgresql) with useBatchUpdates=true (services: ContractDeskPostgreSqlDriver, useBatchUpdates=false); otherwise the same initOrm config";
    for (const s of ['shared_buffers', 'synchronous_commit', 'fsync', 'max_connections', 'default_transaction_isolation']) settings[s] = await show(s);
    return {
      dialect: 'postgresql',
      impls,
      notRun: {},
      settings,
      w5Shape: `${clients} concurrent clients in one process (async), pool of ${clients}`,
      async reset() {
        await side.query('truncate contractdesk_contracts, contractdesk_users cascade');
      },
      async scalar(sql) {
        return String(Object.values((await side.query(sql)).rows[0])[0]);
      },
      async w5(impl, ids, until) {
        return runQueues(impls[impl]!, concurrentSchedule(ids, clients), until);
      },
      async close() {
        for (const impl of Object.values(impls)) await impl!.close();
        await side.end();
        await db.drop();
      },
    };
  } catch (error) {
    await db.drop().catch(() => undefined);
    throw error;
  }
}

export type { Dataset };
