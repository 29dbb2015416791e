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
  `["\`](?:${TABLES.join('|')})["\`]|\\b(?:role_permissions|role_assignments|push_subscriptions)\\b|\\b(?:users|contracts|roles)\\.(?:id|username|email|name|amount|status|title)\\b`,
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
    const rows = await conn.execute<Array<Record<string, unknown>>>(`select * from ${table}`);
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
