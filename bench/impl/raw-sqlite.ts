import type Database from 'better-sqlite3';
import { openSqlite } from 'contractdesk/internal';
import type { Dataset } from '../data';
import type { Impl, ReadResult } from './types';

const COLUMNS = 'id, title, client_id, freelancer_id, cast(amount as text) as amount, status, currency, version, created_at, updated_at';

/** better-sqlite3 with prepared statements, the same pragmas as the app's connections. */
export class RawSqlite implements Impl {
  readonly name = 'raw' as const;
  readonly db: Database.Database;
  private readonly insUser;
  private readonly insContract;
  private readonly byId;
  private readonly update;
  private readonly listStmt;
  private readonly transitionTx;
  private readonly pairTx;

  constructor(path: string, busyTimeoutMs = 5000) {
    this.db = openSqlite(path);
    this.db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.insUser = this.db.prepare('insert into contractdesk_users (id, username, email, role, created_at) values (?, ?, ?, ?, ?)');
    this.insContract = this.db.prepare(
      'insert into contractdesk_contracts (id, title, client_id, freelancer_id, amount, status, currency, version, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.byId = this.db.prepare(`select ${COLUMNS} from contractdesk_contracts where id = ?`);
    this.update = this.db.prepare('update contractdesk_contracts set status = ?, version = version + 1, updated_at = ? where id = ? and version = ?');
    this.listStmt = this.db.prepare(`select ${COLUMNS} from contractdesk_contracts where client_id = ? order by created_at desc, id desc limit ?`);
    // The same read-check-write as the services, in one BEGIN IMMEDIATE transaction.
    const step = (id: string, expected: number): number | 'conflict' => {
      const row = this.byId.get(id) as { version: number; status: string } | undefined;
      if (!row) throw new Error(`contract ${id} not found`);
      if (row.version !== expected) return 'conflict';
      if (row.status !== 'draft') throw new Error(`illegal transition from ${row.status}`);
      const r = this.update.run('active', Date.now(), id, expected);
      return r.changes === 1 ? expected + 1 : 'conflict';
    };
    this.transitionTx = this.db.transaction(step);
    // W6: two read-check-writes in one BEGIN IMMEDIATE … COMMIT (no savepoints: the steps are plain calls).
    this.pairTx = this.db.transaction((a: string, b: string): [number, number] => {
      const va = step(a, 1);
      const vb = step(b, 1);
      if (va === 'conflict' || vb === 'conflict') throw new Error(`W6 conflict on ${a}/${b}`);
      return [va, vb];
    });
  }

  async w1(data: Dataset): Promise<void> {
    this.db
      .transaction(() => {
        for (const u of data.users) this.insUser.run(u.id, u.username, u.email, u.role, u.createdAt.getTime());
        for (const c of data.contracts) {
          const t = c.createdAt.getTime();
          this.insContract.run(c.id, c.title, c.clientId, c.freelancerId, c.amount, 'draft', 'XLM', 1, t, t);
        }
      })
      .immediate();
  }

  async w2(ids: string[]): Promise<ReadResult[]> {
    const out: ReadResult[] = [];
    for (const id of ids) {
      const r = this.byId.get(id) as any;
      out.push({ id: r.id, title: r.title, amount: BigInt(r.amount), version: r.version, status: r.status, createdAt: new Date(r.created_at) });
    }
    return out;
  }

  async transition(id: string): Promise<number | 'conflict'> {
    return this.transitionTx.immediate(id, 1);
  }

  async transitionPair(a: string, b: string): Promise<[number, number]> {
    return this.pairTx.immediate(a, b);
  }

  async list(clientId: string, limit: number): Promise<string[]> {
    const rows = this.listStmt.all(clientId, limit) as any[];
    return rows.map((r) => r.id);
  }

  /** Test-data reset and checks (never timed). */
  reset(): void {
    this.db.exec('delete from contractdesk_contracts; delete from contractdesk_users;');
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
