import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Contract, User, initOrm } from 'contractdesk';
import { HostModule } from '../src/host.module';

/**
 * The host app as its team would test it, against ContractDesk installed from the packed tarball. The database
 * comes from the environment (DB_PATH or DATABASE_URL), set by scripts/example-host.sh once per dialect.
 */
describe(`a NestJS host embedding ContractDesk (${process.env.DATABASE_URL ? 'postgresql' : 'sqlite'})`, () => {
  let app: INestApplication;
  let orm: MikroORM;
  let base: string;
  let n = 0;
  const name = (role: string) => `${role}${process.pid}x${++n}`;

  before(async () => {
    app = await NestFactory.create(HostModule, { logger: false });
    orm = app.get(MikroORM);
    await orm.migrator.up();
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  after(async () => app?.close());

  beforeEach(async () => orm.schema.clearDatabase());

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const rows = async () => ({ users: await orm.em.fork().count(User, {}), contracts: await orm.em.fork().count(Contract, {}) });

  it('@Transactional() host method: three service calls commit together', async () => {
    const res = await post('/onboard', { client: name('c'), freelancer: name('f'), title: 'Site' });
    expect(res.status).to.equal(201);
    expect(await rows()).to.deep.equal({ users: 2, contracts: 1 });
    const contract = await orm.em.fork().findOneOrFail(Contract, res.body.contractId as string);
    expect([contract.client.id, contract.freelancer.id]).to.deep.equal([res.body.clientId, res.body.freelancerId]);
  });

  it('@Transactional() host method: a failure after the service calls rolls all of them back', async () => {
    const res = await post('/onboard', { client: name('c'), freelancer: name('f'), title: 'Site', failAtEnd: true });
    expect(res.status).to.equal(500);
    expect(await rows()).to.deep.equal({ users: 0, contracts: 0 });
  });

  it('a service error inside the host transaction rolls back the calls before it', async () => {
    const taken = name('c');
    expect((await post('/onboard', { client: taken, freelancer: name('f'), title: 'First' })).status).to.equal(201);
    // The freelancer's username is taken: the client registered just before it in the same transaction must vanish.
    const res = await post('/onboard', { client: name('c'), freelancer: taken, title: 'Second' });
    expect(res.status).to.equal(409);
    expect(res.body.code).to.match(/^USER\.(USERNAME|EMAIL)_TAKEN$/);
    expect(await rows()).to.deep.equal({ users: 2, contracts: 1 });
  });

  it('em.transactional() around a @Transactional() method and another service: one transaction', async () => {
    const res = await post('/onboard-and-activate', { client: name('c'), freelancer: name('f') });
    expect(res.status).to.equal(201);
    expect([res.body.status, res.body.version]).to.deep.equal(['active', 2]);
    const contract = await orm.em.fork().findOneOrFail(Contract, res.body.contractId as string);
    expect([contract.status, contract.version]).to.deep.equal(['active', 2]);
  });

  it('two concurrent requests never share an identity map', async () => {
    const a = await post('/onboard', { client: name('c'), freelancer: name('f'), title: 'A' });
    const [one, two] = await Promise.all(
      [a.body.clientId, a.body.freelancerId].map(async (id) => (await fetch(`${base}/probe/${id as string}`)).json() as Promise<{ em: number; users: string[] }>),
    );
    expect(one.em).not.to.equal(two.em);
    expect(one.users).to.deep.equal([a.body.clientId]);
    expect(two.users).to.deep.equal([a.body.freelancerId]);
  });

  it("the README's quickstart runs against the same database and exits by itself", async () => {
    await orm.schema.clearDatabase();
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, '..', 'src', 'quickstart.js')], { timeout: 30_000 });
    expect(stdout).to.match(/refused: CONTRACT\.VERSION_CONFLICT\ncontract [0-9a-f-]{36} is active at version 2\n$/);
    expect(await rows()).to.deep.equal({ users: 2, contracts: 1 });
  });

  it('under a TypeScript test runner (MikroORM prefers pathTs) the installed package still applies its compiled migrations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contractdesk-example-ts-'));
    const own = await initOrm({ env: { DB_PATH: join(dir, 'ts.sqlite3') }, log: () => undefined, options: { preferTs: true } });
    try {
      const shipped = readdirSync(join(require.resolve('contractdesk'), '..', '..', 'migrations', 'sqlite')).filter((f) => /^Migration\w+\.js$/.test(f));
      expect(shipped.length).to.be.greaterThan(0);
      const applied = await own.migrator.up();
      expect(applied.map((m) => `${m.name}.js`)).to.deep.equal(shipped.sort());
      expect(await own.em.fork().count(User, {})).to.equal(0);
    } finally {
      await own.close(true);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
