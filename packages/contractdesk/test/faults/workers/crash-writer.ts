import 'reflect-metadata';
import { createInterface } from 'node:readline';
import { initOrm } from '../../../src/config/orm-config';
import { Contract } from '../../../src/entities/contract.entity';
import { User } from '../../../src/entities/user.entity';
import { PartyRole } from '../../../src/domain/party-role';
import { TransactionScope } from '../../../src/services/transaction-scope';

/**
 * Child process for the SIGKILL crash test. Protocol on stdout, one line each (stdout to a pipe is
 * synchronous on Linux, so a line written before the kill is in the parent's pipe):
 *   loaded              modules are loaded; waiting for "go <run>" on stdin
 *   ready               ORM initialised against DB_PATH (DB_SYNCHRONOUS, DB_BUSY_TIMEOUT from env)
 *   begin <tag>         about to start the transaction of one batch
 *   commit <tag>        the transaction's commit has returned
 * A batch is 2 users and CONTRACTS_PER_BATCH contracts, tagged <tag>, written in ONE transaction with
 * several flushes, so a kill often lands between statements of an open transaction.
 */
export const CONTRACTS_PER_BATCH = 20;
const FLUSH_EVERY = 5;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function writeBatch(uow: TransactionScope, tag: string): Promise<void> {
  await uow.write(async (em) => {
    const client = new User({ username: `${tag}-c`, email: `${tag}-c@example.com`, role: PartyRole.Client });
    const freelancer = new User({ username: `${tag}-f`, email: `${tag}-f@example.com`, role: PartyRole.Freelancer });
    em.persist([client, freelancer]);
    await em.flush();
    for (let i = 0; i < CONTRACTS_PER_BATCH; i++) {
      em.persist(new Contract({ title: `${tag}#${i}`, client, freelancer, amount: BigInt(i + 1) * 10_000_000n }));
      if ((i + 1) % FLUSH_EVERY === 0) await em.flush();
    }
  });
}

async function run(runTag: string): Promise<void> {
  const orm = await initOrm({ env: process.env, log: () => undefined });
  const uow = new TransactionScope(orm.em);
  say('ready');
  for (let n = 0; ; n++) {
    const tag = `${runTag}-b${n}`;
    say(`begin ${tag}`);
    await writeBatch(uow, tag);
    say(`commit ${tag}`);
  }
}

if (require.main === module) {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const [command, runTag] = line.trim().split(/\s+/);
    if (command === 'go' && runTag) {
      run(runTag).catch((error) => {
        process.stderr.write(`crash-writer failed: ${(error as Error).stack ?? error}\n`);
        process.exit(2);
      });
    }
  });
  // The parent went away without killing us: do not linger.
  lines.on('close', () => process.exit(0));
  say('loaded');
}
