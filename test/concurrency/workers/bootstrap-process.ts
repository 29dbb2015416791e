/**
 * A separate OS process claiming the first-administrator bootstrap for each user id in argv, all at once,
 * against the database named by the environment. Prints one JSON line: RESULT { won, closed, other }.
 */
import 'reflect-metadata';
import { initOrm } from '../../../src/config/orm-config';
import { type ClaimResult, claimAll } from './bootstrap';

async function main(): Promise<void> {
  const ids = process.argv.slice(2);
  const orm = await initOrm({ log: () => undefined });
  try {
    process.stdout.write('READY\n');
    await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
    process.stdin.destroy();
    const result: ClaimResult = await claimAll(() => orm.em.fork(), ids);
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    await orm.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
