// The README's "Using the library" example, as a program: run it with DB_PATH or DATABASE_URL set.
import { ContractService, DomainError, UserService, initOrm, withRetry } from 'contractdesk';

async function main(): Promise<void> {
  const orm = await initOrm(); // reads DATABASE_URL / DB_PATH …
  try {
    await orm.migrator.up();
    const em = orm.em.fork(); // one per request (NestJS: ContractDeskModule does this for you)
    const users = new UserService(em);
    const contracts = new ContractService(em);
    const alice = await users.register({ username: 'alice', email: 'alice@example.com', role: 'client' });
    const bob = await users.register({ username: 'bob', email: 'bob@example.com', role: 'freelancer' });
    const input = { title: 'Logo', clientId: alice.id, freelancerId: bob.id, amount: '25000000000' };
    const c = await withRetry(() => contracts.create(input)); // retries DB.CONTENTION
    const seen = c.version; // 1: what a client last saw
    const active = await contracts.transition(c.id, { to: 'active', expectedVersion: seen });
    try {
      await contracts.transition(c.id, { to: 'cancelled', expectedVersion: seen }); // stale by now
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      console.log(`refused: ${error.code}`); // CONTRACT.VERSION_CONFLICT
    }
    console.log(`contract ${active.id} is ${active.status} at version ${active.version}`);
  } finally {
    await orm.close(); // lets the process exit
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
