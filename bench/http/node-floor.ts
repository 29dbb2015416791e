import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { Pool } from 'pg';
import { openSqlite } from 'contractdesk/internal';
import { CONTRACT_STATUSES, CONTRACT_TRANSITIONS, type ContractStatus } from 'contractdesk';
import { announce, childConfig } from './child';

/**
 * The driver floor: `node:http` and the database driver, nothing between them. The same two routes as the app,
 * answering the same JSON; no token verification, no framework, one statement per request (a transition is a
 * single `UPDATE … WHERE id AND version AND status IN (allowed sources) RETURNING`, the least a correct
 * versioned write can do; a miss costs one more read to tell 404 from 409 from 422).
 */
interface Row {
  id: string;
  title: string;
  client_id: string;
  freelancer_id: string;
  amount: string;
  currency: string;
  status: string;
  version: number;
  created_at: number | Date;
  updated_at: number | Date;
}

interface Store {
  read(id: string): Promise<Row | undefined>;
  /** The changed row, or undefined when nothing matched (missing, stale version or illegal transition). */
  transition(id: string, to: ContractStatus, expectedVersion: number): Promise<Row | undefined>;
  close(): Promise<void>;
}

const sourcesOf = (to: ContractStatus) => CONTRACT_STATUSES.filter((from) => CONTRACT_TRANSITIONS[from].includes(to));

function sqliteStore(path: string, synchronous: string): Store {
  const db = openSqlite(path);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('foreign_keys = ON');
  const columns = 'id, title, client_id, freelancer_id, cast(amount as text) as amount, currency, status, version, created_at, updated_at';
  const byId = db.prepare(`select ${columns} from contractdesk_contracts where id = ?`);
  const updates = new Map(
    CONTRACT_STATUSES.filter((to) => sourcesOf(to).length > 0).map((to) => {
      const sources = sourcesOf(to);
      const sql = `update contractdesk_contracts set status = ?, version = version + 1, updated_at = ? where id = ? and version = ? and status in (${sources.map(() => '?').join(', ')}) returning ${columns}`;
      return [to, { statement: db.prepare(sql), sources }] as const;
    }),
  );
  return {
    read: async (id) => byId.get(id) as Row | undefined,
    async transition(id, to, expected) {
      const update = updates.get(to);
      return update?.statement.get(to, Date.now(), id, expected, ...update.sources) as Row | undefined;
    },
    close: async () => void db.close(),
  };
}

function pgStore(url: string, poolMax: number): Store {
  const pool = new Pool({ connectionString: url, max: poolMax });
  const columns = 'id, title, client_id, freelancer_id, amount, currency, status, version, created_at, updated_at';
  return {
    async read(id) {
      return (await pool.query<Row>(`select ${columns} from contractdesk_contracts where id = $1`, [id])).rows[0];
    },
    async transition(id, to, expected) {
      const sql = `update contractdesk_contracts set status = $1, version = version + 1, updated_at = now() where id = $2 and version = $3 and status = any($4) returning ${columns}`;
      return (await pool.query<Row>(sql, [to, id, expected, sourcesOf(to)])).rows[0];
    },
    close: () => pool.end(),
  };
}

const iso = (t: number | Date) => (t instanceof Date ? t : new Date(t)).toISOString();

function present(row: Row) {
  return {
    id: row.id,
    title: row.title,
    clientId: row.client_id,
    freelancerId: row.freelancer_id,
    amount: String(row.amount),
    currency: row.currency,
    status: row.status,
    version: row.version,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

const ROUTE = /^\/contracts\/([0-9a-f-]{36})(\/transitions)?$/;

async function handle(store: Store, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const route = ROUTE.exec(req.url ?? '');
  if (!route) return send(res, 404, { code: 'NOT_FOUND' });
  const id = route[1];
  if (req.method === 'GET' && !route[2]) {
    const row = await store.read(id);
    return row ? send(res, 200, present(row), { etag: `"${row.version}"` }) : send(res, 404, { code: 'CONTRACT.NOT_FOUND' });
  }
  if (req.method !== 'POST' || !route[2]) return send(res, 405, { code: 'METHOD_NOT_ALLOWED' });
  const body = (await readBody(req)) as { to?: ContractStatus };
  const expected = Number(/^"?(\d+)"?$/.exec(String(req.headers['if-match'] ?? ''))?.[1]);
  const row = await store.transition(id, body.to as ContractStatus, expected);
  if (row) return send(res, 200, present(row), { etag: `"${row.version}"` });
  const current = await store.read(id);
  if (!current) return send(res, 404, { code: 'CONTRACT.NOT_FOUND' });
  return current.version !== expected ? send(res, 409, { code: 'CONTRACT.VERSION_CONFLICT' }) : send(res, 422, { code: 'CONTRACT.INVALID_TRANSITION' });
}

function main(): void {
  const { env } = childConfig();
  const store = env.DATABASE_URL ? pgStore(env.DATABASE_URL, Number(env.DB_POOL_MAX ?? 10)) : sqliteStore(env.DB_PATH, env.DB_SYNCHRONOUS ?? 'NORMAL');
  const server = createServer((req, res) => {
    handle(store, req, res).catch(() => send(res, 500, { code: 'INTERNAL' }));
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () =>
    announce(server, async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    }),
  );
}

main();
