/**
 * A separate OS process running read-modify-write workers against the database named by the
 * environment (DB_PATH or DATABASE_URL). argv: <workers> <perWorker> <contractId>...
 * Prints one JSON line: the RmwResult.
 */
import 'reflect-metadata';
import { initOrm } from '../../../src/config/orm-config';
import { runReadModifyWrite } from './rmw';

async function main(): Promise<void> {
  const [workers, perWorker, ...ids] = process.argv.slice(2);
  const orm = await initOrm({ log: () => undefined });
  try {
    // Start together: the parent releases all processes at once by writing to stdin.
    process.stdout.write('READY\n');
    await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
    process.stdin.destroy(); // a flowing stdin would keep this process alive after its work
    const result = await runReadModifyWrite([() => orm.em.fork()], ids, { workers: Number(workers), perWorker: Number(perWorker) });
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    await orm.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
