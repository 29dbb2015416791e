/**
 * A separate OS process running read-modify-write workers against the database named by the
 * environment (DB_PATH or DATABASE_URL). argv: <workers> <perWorker> <contractId>...
 * Prints one JSON line: the RmwResult.
 */
import 'reflect-metadata';
import { runWorker, waitForRelease } from '../../helpers/worker';
import { initOrm } from '../../../src/config/orm-config';
import { runReadModifyWrite } from './rmw';

async function main(): Promise<void> {
  const [workers, perWorker, ...ids] = process.argv.slice(2);
  const orm = await initOrm({ log: () => undefined });
  try {
    await waitForRelease();
    const result = await runReadModifyWrite([() => orm.em.fork()], ids, { workers: Number(workers), perWorker: Number(perWorker) });
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    await orm.close();
  }
}

runWorker(main);
