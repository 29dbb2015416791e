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
  const handle = async (msg: Command): Promise<void> => {
    if (msg.cmd === 'exit') {
      for (const impl of Object.values(impls)) await impl.close();
      process.exit(0);
    }
    const tally = await runQueue(impls[msg.impl], msg.queue, undefined, msg.until);
    process.send!({ tally });
  };
  // A failed queue ends the worker the way a failed start does, with its stack, not as an unhandled rejection.
  process.on('message', (msg: Command) => void handle(msg).catch(fail));
  process.send!({ ready: true });
}

function fail(error: unknown): never {
  process.stderr.write(`w5 worker failed: ${(error as Error | undefined)?.stack ?? String(error)}\n`);
  process.exit(1);
}

main().catch(fail);
