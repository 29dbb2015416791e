import { BetterSqlitePlatform, BetterSqliteSchemaHelper } from '@mikro-orm/better-sqlite';
import type { AbstractSqlConnection, CheckDef } from '@mikro-orm/knex';

/**
 * Fixes two MikroORM 6.6 SQLite introspection gaps that would otherwise make `migration:check` report
 * phantom changes whose generated fix is a table rebuild (which can silently delete cascade children):
 * - enum CHECKs with three or more values were read back as only the first and last value;
 * - named table-level CHECK constraints were not read at all (`getChecks` returned []).
 */
export class ContractDeskSqliteSchemaHelper extends BetterSqliteSchemaHelper {
  override async getEnumDefinitions(
    connection: AbstractSqlConnection,
    _checks: CheckDef[],
    tableName: string,
    _schemaName?: string,
    ctx?: unknown,
  ): Promise<Record<string, string[]>> {
    const sql = await tableSql(connection, tableName, ctx);
    const enums: Record<string, string[]> = {};
    const columnCheck = /[`"]([^`"]+)[`"] text check \([`"][^`"]+[`"] in \(((?:\s*'(?:[^']|'')*'\s*,?)+)\)\)/gi;
    for (const match of sql.matchAll(columnCheck)) {
      enums[match[1]] = [...match[2].matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replace(/''/g, "'"));
    }
    return enums;
  }

  override async getChecks(
    connection: AbstractSqlConnection,
    tableName: string,
    _schemaName?: string,
    _columns?: unknown,
    ctx?: unknown,
  ): Promise<CheckDef[]> {
    const sql = await tableSql(connection, tableName, ctx);
    const checks: CheckDef[] = [];
    const named = /constraint\s+[`"]?([\w]+)[`"]?\s+check\s*\(/gi;
    for (const match of sql.matchAll(named)) {
      const expression = balancedParens(sql, match.index! + match[0].length - 1);
      if (expression !== undefined) {
        checks.push({ name: match[1], expression, definition: `check (${expression})` });
      }
    }
    return checks;
  }
}

async function tableSql(connection: AbstractSqlConnection, tableName: string, ctx: unknown): Promise<string> {
  const row = await connection.execute<{ sql: string }>(
    'select sql from sqlite_master where type = ? and name = ?',
    ['table', tableName],
    'get',
    ctx,
  );
  return (row as { sql?: string } | undefined)?.sql ?? '';
}

/** Text between the parenthesis at `open` and its matching close, ignoring parentheses inside quotes. */
function balancedParens(sql: string, open: number): string | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < sql.length; i++) {
    const ch = sql[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"' || ch === '`') {
      quote = ch;
    } else if (ch === '(') {
      depth++;
    } else if (ch === ')' && --depth === 0) {
      return sql.slice(open + 1, i).trim();
    }
  }
  return undefined;
}

export class ContractDeskSqlitePlatform extends BetterSqlitePlatform {
  protected override readonly schemaHelper: ContractDeskSqliteSchemaHelper = new ContractDeskSqliteSchemaHelper(this);

  /**
   * MikroORM 6.6's SQLite platform snapshots Date properties as epoch numbers for change detection, but
   * entities loaded by find() keep Date objects in their original data, so every loaded entity looked
   * changed: a flush after a plain read rewrote created_at/updated_at and bumped `version` (a false
   * optimistic-lock conflict for everyone else). Comparing Dates as Dates, as PostgreSQL does, fixes it;
   * dates are still written as epoch milliseconds (quoteValue).
   */
  override processDateProperty(value: unknown): string | number | Date {
    return value as Date;
  }
}
