import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { DomainError } from '../src/errors/domain-error';
import { CopyError, DEFAULT_BATCH_SIZE, copyDatabase } from '../src/tools/db-copy';

/**
 * npm run db:copy -- --from <sqlite file | sqlite: url | postgres url> --to <sqlite file | sqlite: url | postgres url> [--force] [--batch-size N]
 * Exit codes: 0 copied and verified; 1 verification mismatch (target keeps its copy marker);
 * 2 refused (usage, source not migrated, target not empty, …); 3 unexpected failure.
 */
const USAGE = 'usage: npm run db:copy -- --from <sqlite file | sqlite: url | postgres url> --to <sqlite file | sqlite: url | postgres url> [--force] [--batch-size N]';

async function main(): Promise<number> {
  let values: { from?: string; to?: string; force?: boolean; 'batch-size'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        force: { type: 'boolean', default: false },
        'batch-size': { type: 'string', default: String(DEFAULT_BATCH_SIZE) },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.from || !values.to) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const batchSize = Number(values['batch-size']);
  try {
    const report = await copyDatabase({ from: values.from, to: values.to, force: values.force, batchSize });
    process.stdout.write(
      `${report.ok ? 'OK' : 'MISMATCH'}: ${report.rows} rows in ${report.copySeconds.toFixed(1)}s ` +
        `(${Math.round(report.rowsPerSecond)} rows/s)${report.restarted ? ', restarted an unfinished copy' : ''}\n`,
    );
    for (const t of report.tables) {
      process.stdout.write(`  ${t.ok ? 'ok ' : 'BAD'} ${t.table}: ${t.source.rows} → ${t.target.rows} rows, checksum ${t.target.checksum}\n`);
    }
    return report.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof DomainError && !(error instanceof CopyError)) {
      // A setting the app would refuse too (CONFIG.UNSUPPORTED_DATABASE_URL, …): one line, like the app.
      process.stderr.write(`db:copy refused [${error.code}]: ${error.message}\n`);
      return 2;
    }
    if (error instanceof CopyError) {
      process.stderr.write(`db:copy refused [${error.code}]: ${error.message}\n`);
      // An operator runs this by hand: the underlying reason (e.g. "database … does not exist") helps.
      if (error.cause instanceof Error) process.stderr.write(`  cause: ${error.cause.message}\n`);
      return error.kind === 'unavailable' ? 3 : 2;
    }
    // Unexpected: the operator runs this by hand, so the cause (driver text included) is useful here.
    process.stderr.write(`db:copy failed: ${(error as Error)?.stack ?? String(error)}\n`);
    return 3;
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`db:copy failed: ${String(error)}\n`);
    process.exit(3);
  },
);
