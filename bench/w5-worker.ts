import 'reflect-metadata';
import { initOrm } from '../src/config/orm-config';
import { RawSqlite } from './impl/raw-sqlite';
import { PlainOrm, ServicesImpl } from './impl/orm';
import { plainOrmOptions } from './baseline';
import { type Impl, type ImplName, runQueue } from './impl/types';

/**
 * One OS process of W5 on SQLite. It opens all three variants on the database file given by the parent,
 * says "ready", then runs each queue it is sent and answers with its tally. Start-up is never timed.
 */
type Command = { cmd: 'run'; impl: ImplName; queue: string[]; until: number } | { cmd: 'exit' };

async function main(): Promise<void> {
  const path = process.argv[2];
  const env = { DB_PATH: path };
  const quiet = () => undefined;
  const impls: Record<ImplName, Impl> = {
    raw: new RawSqlite(path),
    plain: new PlainOrm(await initOrm({ env, log: quiet, options: plainOrmOptions(env) })),
    services: new ServicesImpl(await initOrm({ env, log: quiet })),
  };
  process.on('message', async (msg: Command) => {
    if (msg.cmd === 'exit') {
      for (const impl of Object.values(impls)) await impl.close();
      process.exit(0);
    }
    const tally = await runQueue(impls[msg.impl], msg.queue, undefined, msg.until);
    process.send!({ tally });
  });
  process.send!({ ready: true });
}

main().catch((error) => {
  process.stderr.write(`w5 worker failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
