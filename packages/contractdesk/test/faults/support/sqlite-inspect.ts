import { openSqlite } from '../../../src/db/better-sqlite3';

export const USERS_PER_BATCH = 2;

/** What a fresh connection finds in the database file after a crash (opening it runs WAL recovery). */
export interface CrashSnapshot {
  integrity: string[];
  foreignKeyViolations: unknown[];
  /** Rows per batch tag. */
  users: Map<string, number>;
  contracts: Map<string, number>;
}

export function inspectDatabase(path: string): CrashSnapshot {
  const db = openSqlite(path);
  try {
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
    const foreignKeyViolations = db.pragma('foreign_key_check') as unknown[];
    // Usernames are "<tag>-c" / "<tag>-f", titles "<tag>#<i>" (see workers/crash-writer.ts).
    const users = db.prepare(`select substr(username, 1, length(username) - 2) as tag, count(*) as n from contractdesk_users group by tag`).all();
    const contracts = db.prepare(`select substr(title, 1, instr(title, '#') - 1) as tag, count(*) as n from contractdesk_contracts group by tag`).all();
    return { integrity, foreignKeyViolations, users: toMap(users), contracts: toMap(contracts) };
  } finally {
    db.close();
  }
}

/** Every way the snapshot breaks the promise; empty means the crash left no trace of harm. */
export function crashViolations(snapshot: CrashSnapshot, reportedCommitted: Iterable<string>, contractsPerBatch: number): string[] {
  const problems: string[] = [];
  if (snapshot.integrity.join() !== 'ok') problems.push(`integrity_check: ${snapshot.integrity.slice(0, 5).join('; ')}`);
  if (snapshot.foreignKeyViolations.length > 0) problems.push(`foreign_key_check: ${snapshot.foreignKeyViolations.length} violation(s)`);
  for (const tag of new Set([...snapshot.users.keys(), ...snapshot.contracts.keys()])) {
    const users = snapshot.users.get(tag) ?? 0;
    const contracts = snapshot.contracts.get(tag) ?? 0;
    if (users !== USERS_PER_BATCH || contracts !== contractsPerBatch) {
      problems.push(`partial batch ${tag}: ${users}/${USERS_PER_BATCH} users, ${contracts}/${contractsPerBatch} contracts`);
    }
  }
  for (const tag of reportedCommitted) {
    if (!snapshot.contracts.has(tag)) problems.push(`lost batch ${tag}: reported committed, not present`);
  }
  return problems;
}

function toMap(rows: unknown[]): Map<string, number> {
  return new Map((rows as Array<{ tag: string; n: number }>).map((r) => [r.tag, r.n]));
}
