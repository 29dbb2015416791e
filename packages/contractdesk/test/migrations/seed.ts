import { createHash } from 'node:crypto';
import type { RawDb, Row } from '../../src/tools/raw-db';
import type { ColumnKind, TableSpec } from '../../src/tools/table-specs';

/**
 * Seed data written with raw parameterised inserts (fast enough for 50,000+ contracts in a second or
 * two) and only with the columns of the FIRST migration, so the same seed works before and after any
 * later migration. Values probe the copy's weak spots: int64 above 2^53 and at its maximum, quotes,
 * non-ASCII text, millisecond timestamps.
 */
export interface SeedSize {
  users: number;
  roles: number;
  permissionsPerRole: number;
  contracts: number;
  subscriptionsPerUser: number;
}

export const SMALL_SEED: SeedSize = { users: 40, roles: 6, permissionsPerRole: 5, contracts: 300, subscriptionsPerUser: 1 };

const spec = (name: string, primaryKey: string[], columns: Array<[string, ColumnKind]>): TableSpec => ({
  name,
  primaryKey,
  columns: columns.map(([n, kind]) => ({ name: n, kind, nullable: false })).sort((a, b) => (a.name < b.name ? -1 : 1)),
});

export const SEED_SPECS = {
  users: spec('users', ['id'], [['id', 'uuid'], ['username', 'text'], ['email', 'text'], ['role', 'text'], ['created_at', 'datetime']]),
  roles: spec('roles', ['id'], [['id', 'uuid'], ['name', 'text'], ['description', 'text'], ['priority', 'int'], ['created_at', 'datetime'], ['updated_at', 'datetime']]),
  role_permissions: spec('role_permissions', ['role_id', 'permission'], [['role_id', 'uuid'], ['permission', 'text'], ['created_at', 'datetime']]),
  role_assignments: spec('role_assignments', ['user_id', 'role_id'], [['user_id', 'uuid'], ['role_id', 'uuid'], ['created_at', 'datetime']]),
  contracts: spec('contracts', ['id'], [
    ['id', 'uuid'], ['title', 'text'], ['client_id', 'uuid'], ['freelancer_id', 'uuid'], ['amount', 'int64'],
    ['status', 'text'], ['version', 'int'], ['created_at', 'datetime'], ['updated_at', 'datetime'],
  ]),
  push_subscriptions: spec('push_subscriptions', ['id'], [
    ['id', 'uuid'], ['endpoint', 'text'], ['p256dh', 'text'], ['auth', 'text'], ['user_id', 'uuid'], ['created_at', 'datetime'], ['updated_at', 'datetime'],
  ]),
};
export const SEED_ORDER = ['users', 'roles', 'role_permissions', 'role_assignments', 'contracts', 'push_subscriptions'] as const;

/** Deterministic uuid-shaped ids so runs are reproducible. */
function uuid(label: string): string {
  const h = createHash('sha256').update(label).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const STATUSES = ['draft', 'active', 'completed', 'disputed', 'cancelled'];
const AMOUNTS = ['0', '1', '9007199254740993', '9223372036854775807', '123456789012345678'];
const BASE_MS = Date.UTC(2026, 0, 1, 12, 0, 0, 123);

export function seedRows(size: SeedSize): Record<(typeof SEED_ORDER)[number], Row[]> {
  const users: Row[] = [];
  for (let i = 0; i < size.users; i++) {
    // columns sorted: created_at, email, id, role, username
    users.push([BASE_MS + i, `user${i}@example.com`, uuid(`user${i}`), i % 3 === 0 ? 'client' : i % 3 === 1 ? 'freelancer' : 'both', `user${i}`]);
  }
  const roles: Row[] = [];
  const permissions: Row[] = [];
  for (let r = 0; r < size.roles; r++) {
    const id = uuid(`role${r}`);
    // created_at, description, id, name, priority, updated_at
    roles.push([BASE_MS + r, `Role ${r}: it's "quoted" — ünïcødé ✓`, id, `role-${r}`, r - 3, BASE_MS + r + 1]);
    for (let p = 0; p < size.permissionsPerRole; p++) permissions.push([BASE_MS + p, `contracts.${p}.${r % 2 ? 'read' : '*'}`, id]);
  }
  const assignments: Row[] = [];
  for (let i = 0; i < size.users; i++) assignments.push([BASE_MS + i, uuid(`role${i % size.roles}`), uuid(`user${i}`)]);
  const contracts: Row[] = [];
  const clients = users.filter((u) => u[3] !== 'freelancer');
  const freelancers = users.filter((u) => u[3] !== 'client');
  for (let c = 0; c < size.contracts; c++) {
    const client = clients[c % clients.length][2] as string;
    let freelancer = freelancers[(c * 7) % freelancers.length][2] as string;
    if (freelancer === client) freelancer = freelancers[(c * 7 + 1) % freelancers.length][2] as string;
    const amount = c < AMOUNTS.length ? AMOUNTS[c] : String(BigInt(c) * 10_000_019n);
    // amount, client_id, created_at, freelancer_id, id, status, title, updated_at, version
    contracts.push([amount, client, BASE_MS + c * 1000, freelancer, uuid(`contract${c}`), STATUSES[c % 5], `Contract #${c} — O'Brien's "logo"`, BASE_MS + c * 1000 + 7, 1 + (c % 4)]);
  }
  const subscriptions: Row[] = [];
  for (let i = 0; i < size.users; i++) {
    for (let s = 0; s < size.subscriptionsPerUser; s++) {
      // auth, created_at, endpoint, id, p256dh, updated_at, user_id
      subscriptions.push([`auth${i}x${s}`.padEnd(22, 'A'), BASE_MS + i, `https://fcm.googleapis.com/fcm/send/tok${i}x${s}`, uuid(`sub${i}x${s}`), `BP${i}x${s}`.padEnd(87, 'k'), BASE_MS + i, uuid(`user${i}`)]);
    }
  }
  const tables = { users, roles, role_permissions: permissions, role_assignments: assignments, contracts, push_subscriptions: subscriptions };
  // Timestamps above are in milliseconds (what the app writes); the tool's Value form is microseconds.
  for (const table of SEED_ORDER) {
    const kinds = SEED_SPECS[table].columns.map((c) => c.kind);
    for (const row of tables[table]) kinds.forEach((kind, i) => kind === 'datetime' && row[i] !== null && (row[i] = (row[i] as number) * 1000));
  }
  return tables;
}

/**
 * A seed table's spec under the name it has in this database: the namespace migration renamed `users` to
 * `contractdesk_users` (and so on), and a test may seed or check before or after it.
 */
export async function seedSpec(db: RawDb, table: (typeof SEED_ORDER)[number]): Promise<TableSpec> {
  const namespaced = await db.tableExists(`contractdesk_${table}`);
  return { ...SEED_SPECS[table], name: namespaced ? `contractdesk_${table}` : table };
}

export async function seed(db: RawDb, size: SeedSize, batch = 5000): Promise<Record<string, number>> {
  const rows = seedRows(size);
  const counts: Record<string, number> = {};
  for (const table of SEED_ORDER) {
    const all = rows[table];
    const spec = await seedSpec(db, table);
    for (let i = 0; i < all.length; i += batch) await db.insertBatch(spec, all.slice(i, i + batch));
    counts[table] = all.length;
  }
  return counts;
}
