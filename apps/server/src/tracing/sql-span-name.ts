const OPERATION = /^\s*\(?\s*([a-z]+)/i;
const TABLE = /\b(?:from|into|update|table)\s+[`"[]?([\w.$]+)/i;

/** `SELECT contractdesk_contracts`, `COMMIT`: the operation and the first table it names, from the text alone. */
export function sqlSummary(sql: string): { operation: string; table: string | undefined; name: string } {
  const operation = (OPERATION.exec(sql)?.[1] ?? 'SQL').toUpperCase();
  const table = TABLE.exec(sql)?.[1];
  return { operation, table, name: table ? `${operation} ${table}` : operation };
}
