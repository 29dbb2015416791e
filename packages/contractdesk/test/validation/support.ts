import { createHash } from 'node:crypto';
import { expect } from 'chai';
import type { EntityManager } from '@mikro-orm/knex';
import { DomainError } from '../../src/errors/domain-error';

export const TABLES = ['users', 'contracts', 'roles', 'role_permissions', 'role_assignments', 'push_subscriptions'] as const;

/**
 * Words that only appear in SQL or in driver wording. Human messages may say "from draft to active", so
 * bare English words like "from" are not on the list; statement shapes and driver phrases are.
 */
const SQL_OR_DRIVER_TEXT =
  /\b(?:select\s|insert\s+into|update\s+["`\w]+\s+set|delete\s+from|returning\s|on\s+conflict|values\s*\(|begin\s+immediate|sqlite_?\w*|sqlstate|violates|duplicate\s+key|syntax\s+error|constraint\s+failed|relation\s+"|drop\s+table|knex|pg_|null\s+value\s+in\s+column)/i;
// "users" and "contracts" are also English words; quoted names, snake_case tables and SQLite's
// "table.column" wording of constraint failures are not.
const TABLE_NAMES = new RegExp(
  `\\bcontractdesk_\\w+|["\`](?:users|contracts|roles)["\`]|\\b(?:role_permissions|role_assignments|push_subscriptions)\\b|\\b(?:users|contracts|roles)\\.(?:id|username|email|name|amount|status|title)\\b`,
);

export function expectNoSqlText(message: string): void {
  expect(message, 'message must not carry SQL or driver text').not.to.match(SQL_OR_DRIVER_TEXT);
  expect(message, 'message must not name tables').not.to.match(TABLE_NAMES);
}

/** Row counts plus a checksum of every row of every application table, independent of row order. */
export async function snapshot(em: EntityManager): Promise<Record<string, { rows: number; sum: string }>> {
  const conn = em.getConnection();
  const out: Record<string, { rows: number; sum: string }> = {};
  for (const table of TABLES) {
    const rows = await conn.execute<Array<Record<string, unknown>>>(`select * from contractdesk_${table}`);
    const lines = rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))).sort();
    out[table] = { rows: rows.length, sum: createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16) };
  }
  return out;
}

export interface ExpectedFailure {
  /** The DomainError subclass, ValidationError unless said otherwise. */
  type: abstract new (...args: never[]) => DomainError;
  code: string;
  /** Only for ValidationError. */
  field?: string;
}

/** Runs `operation`, asserting it rejects with exactly the expected typed error and a clean message. */
export async function expectFailure(operation: () => Promise<unknown>, expected: ExpectedFailure): Promise<DomainError> {
  let error: unknown;
  try {
    await operation();
  } catch (e) {
    error = e;
  }
  expect(error, 'the operation must fail').to.exist;
  expect(error, `expected ${expected.type.name} ${expected.code}, got ${String(error)}`).to.be.instanceOf(expected.type);
  const domain = error as DomainError & { field?: string };
  expect(domain.code).to.equal(expected.code);
  if (expected.field !== undefined) expect(domain.field).to.equal(expected.field);
  expectNoSqlText(domain.message);
  return domain;
}

/** Endpoint shapes as the browsers' push services hand them out (tokens shortened, alphabet kept). */
export const REAL_ENDPOINTS: ReadonlyArray<[service: string, endpoint: string]> = [
  ['FCM /fcm/send', 'https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx6KqOMdL_hwE7-yLbJbq0'],
  ['FCM /wp', 'https://fcm.googleapis.com/wp/fZ3_Lr9kQ0s:APA91bE4n1_q-mA8xK2wQ7r0vB5c'],
  ['Mozilla autopush', 'https://updates.push.services.mozilla.com/wpush/v2/gAAAAABlZx3bN7q_kH9w-Qe2Xk8mV1pR3sT5uY7a9B'],
  ['Apple', 'https://web.push.apple.com/QGuQyavXutnMHcCnK4aH8Xn2hTs5PTFMQd8cLrfz9JQ6bGpcUs0VPnN4fXLRrqLtbc0wq'],
  ['WNS', 'https://db5p.notify.windows.com/w/?token=BQYAAAB7Ud6lX%2bIq2Xw%2fK9p0r%3d'],
];
