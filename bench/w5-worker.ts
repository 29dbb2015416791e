import 'reflect-metadata';
import { initOrm } from 'contractdesk';
import { RawSqlite } from './impl/raw-sqlite';
import { PlainOrm, ServicesImpl } from './impl/orm';
import { plainOrmOptions } from './baseline';
import { type ImplName, type Impls, type PeerName, runQueue } from './impl/types';
import { loadPeers } from './peers-loader';
import { SQLITE_BUSY_TIMEOUT_MS } from './context';
import { loadBetterSqlite3 } from 'contractdesk/internal';

/**
 * One OS process of W5 on SQLite. It opens the core variants and the peers its parent loaded (argv[3]) on
 * the database file given by the parent (argv[2]), says "ready", then runs each queue it is sent and answers with its tally. Start-up is never timed.
 */
type Command = { cmd: 'run'; impl: ImplName; queue: string[]; until: number } | { cmd: 'exit' };

async function main(): Promise<void> {
  const path = process.argv[2];
  const env = { DB_PATH: path };
  const quiet = () => undefined;
  const impls: Impls = {
    raw: new RawSqlite(path),
    plain: new PlainOrm(await initOrm({ env, log: quiet, options: plainOrmOptions(env) })),
    services: new ServicesImpl(await initOrm({ env, log: quiet })),
  };
  const peers = (process.argv[3] || '').split(',').filter(Boolean) as PeerName[];
  for (const name of peers) {
    impls[name] = await loadPeers().createPeer(name, { dialect: 'sqlite', path, busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS, betterSqlite3: loadBetterSqlite3() });
  }
  const handle = async (msg: Command): Promise<void> => {
    if (msg.cmd === 'exit') {
      for (const impl of Object.values(impls)) await impl!.close();
      process.exit(0);
    }
    const tally = await runQueue(impls[msg.impl]!, msg.queue, undefined, msg.until);
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
