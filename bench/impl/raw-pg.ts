import { Pool, type PoolClient } from 'pg';
import type { Dataset } from '../data';
import type { Impl, ReadResult } from './types';

const COLUMNS = 'id, title, client_id, freelancer_id, amount, status, currency, version, created_at, updated_at';
const BY_ID = `select ${COLUMNS} from contractdesk_contracts where id = $1`;
const UPDATE = 'update contractdesk_contracts set status = $1, version = version + 1, updated_at = $2 where id = $3 and version = $4';
const LIST = `select ${COLUMNS} from contractdesk_contracts where client_id = $1 order by created_at desc, id desc limit $2`;
const CHUNK = 1000;

/** node-postgres with parameterized SQL (unnamed statements, as an app typically writes it). int8 arrives as text. */
export class RawPg implements Impl {
  readonly name = 'raw' as const;
  readonly pool: Pool;

  constructor(url: string, poolMax: number) {
    this.pool = new Pool({ connectionString: url, max: poolMax });
  }

  private async tx<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('begin');
      const result = await work(c);
      await c.query('commit');
      return result;
    } catch (error) {
      await c.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      c.release();
    }
  }

  async w1(data: Dataset): Promise<void> {
    await this.tx(async (c) => {
      await insertRows(
        c,
        'insert into contractdesk_users (id, username, email, role, created_at) values ',
        data.users.map((u) => [u.id, u.username, u.email, u.role, u.createdAt]),
      );
      for (let i = 0; i < data.contracts.length; i += CHUNK) {
        await insertRows(
          c,
          'insert into contractdesk_contracts (id, title, client_id, freelancer_id, amount, status, currency, version, created_at, updated_at) values ',
          data.contracts.slice(i, i + CHUNK).map((k) => [k.id, k.title, k.clientId, k.freelancerId, k.amount.toString(), 'draft', 'XLM', 1, k.createdAt, k.createdAt]),
        );
      }
    });
  }

  async w2(ids: string[]): Promise<ReadResult[]> {
    // pool.query per read (acquire, query, release), as a request handler would, like the services do.
    const out: ReadResult[] = [];
    for (const id of ids) {
      const r = (await this.pool.query(BY_ID, [id])).rows[0];
      out.push({ id: r.id, title: r.title, amount: BigInt(r.amount), version: r.version, status: r.status, createdAt: r.created_at });
    }
    return out;
  }

  transition(id: string): Promise<number | 'conflict'> {
    return this.tx(async (c) => {
      const row = (await c.query(BY_ID, [id])).rows[0];
      if (!row) throw new Error(`contract ${id} not found`);
      if (row.version !== 1) return 'conflict' as const;
      if (row.status !== 'draft') throw new Error(`illegal transition from ${row.status}`);
      const r = await c.query(UPDATE, ['active', new Date(), id, 1]);
      return r.rowCount === 1 ? 2 : ('conflict' as const);
    });
  }

  /** W6: BEGIN, for each contract the same SELECT + version-guarded UPDATE as W3, COMMIT. */
  transitionPair(a: string, b: string): Promise<[number, number]> {
    return this.tx(async (c) => {
      const versions: number[] = [];
      for (const id of [a, b]) {
        const row = (await c.query(BY_ID, [id])).rows[0];
        if (!row) throw new Error(`contract ${id} not found`);
        if (row.version !== 1) throw new Error(`W6 conflict on ${id}`);
        if (row.status !== 'draft') throw new Error(`illegal transition from ${row.status}`);
        const r = await c.query(UPDATE, ['active', new Date(), id, 1]);
        if (r.rowCount !== 1) throw new Error(`W6 conflict on ${id}`);
        versions.push(2);
      }
      return versions as [number, number];
    });
  }

  async list(clientId: string, limit: number): Promise<string[]> {
    const rows = (await this.pool.query(LIST, [clientId, limit])).rows;
    return rows.map((r) => r.id);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

async function insertRows(c: PoolClient, head: string, rows: unknown[][]): Promise<void> {
  const params: unknown[] = [];
  const tuples = rows.map((row) => `(${row.map((v) => (params.push(v), `$${params.length}`)).join(', ')})`);
  await c.query(head + tuples.join(', '), params);
}
