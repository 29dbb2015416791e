/**
 * A separate OS process claiming the first-administrator bootstrap for each user id in argv, all at once,
 * against the database named by the environment. Prints one JSON line: RESULT { won, closed, other }.
 */
import 'reflect-metadata';
import { runWorker, waitForRelease } from '../../helpers/worker';
import { initOrm } from '../../../src/config/orm-config';
import { type ClaimResult, claimAll } from './bootstrap';

async function main(): Promise<void> {
  const ids = process.argv.slice(2);
  const orm = await initOrm({ log: () => undefined });
  try {
    await waitForRelease();
    const result: ClaimResult = await claimAll(() => orm.em.fork(), ids);
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    await orm.close();
  }
}

runWorker(main);
