import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import {
  CheckConstraintViolationException,
  DriverException,
  ForeignKeyConstraintViolationException,
  NotNullConstraintViolationException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { Contract } from '../../src/entities/contract.entity';
import { Role } from '../../src/entities/role.entity';
import { User } from '../../src/entities/user.entity';
import { ConflictError, DomainError, InternalError, ValidationError } from '../../src/errors/domain-error';
import { toDriverException } from '../../src/errors/native';
import { translateError } from '../../src/errors/translate';
import { describeEachDialect } from '../helpers/orm';
import { makeContract, makeUser } from '../helpers/factories';
import { expectNoSqlText } from './support';

async function thrown(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  return expect.fail('expected the database to refuse');
}

/**
 * The translated error is what a caller sees: a stable code, a message with no SQL, no driver wording
 * and none of the offending data; the driver error stays on a non-enumerable `cause` for logs.
 */
function expectClean(translated: DomainError, original: unknown, secret?: string): void {
  expect(translated).to.be.instanceOf(DomainError);
  expectNoSqlText(translated.message);
  if (secret) expect(translated.message).not.to.include(secret);
  expect(translated.cause).to.equal(original);
  expect(Object.keys(translated), 'cause must not be enumerable').not.to.include('cause');
  // What goes over the wire is code and message, nothing of the cause.
  const json = JSON.parse(JSON.stringify(translated)) as Record<string, unknown>;
  expect(Object.keys(json).sort()).to.deep.equal(['code', 'message']);
  if (secret) expect(JSON.stringify(json)).not.to.include(secret);
}

describeEachDialect('translateError on real driver errors', (db) => {
  it('unique violation on a known index → its typed conflict, with nothing of the row in the message', async () => {
    const user = await makeUser(db.em(), undefined, 'taken.name');
    const error = await thrown(() => db.em().persistAndFlush(new User({ username: 'taken.name', email: 'other@example.com', role: 'client' })));
    expect(error).to.be.instanceOf(UniqueConstraintViolationException);
    const translated = translateError(error);
    expect(translated).to.be.instanceOf(ConflictError);
    expect(translated.code).to.equal('USER.USERNAME_TAKEN');
    expectClean(translated, error, 'taken.name');
    expect(user.id).to.be.a('string');
  });

  it('the same violation from a statement that went through knex (whose message carries SQL and data) comes out just as clean', async () => {
    await makeUser(db.em(), undefined, 'taken.twice');
    const insert = `insert into contractdesk_users (id, username, email, role, created_at) values ('${randomUUID()}', 'taken.twice', 'x@example.com', 'client', '2026-01-01 00:00:00')`;
    const converted = toDriverException(await thrown(() => db.em().getConnection().execute(insert)), db.em());
    expect(converted).to.be.instanceOf(UniqueConstraintViolationException);
    expect((converted as Error).message).to.match(/insert/i).and.to.include('taken.twice');
    const translated = translateError(converted);
    expect(translated.code).to.equal('USER.USERNAME_TAKEN');
    expectClean(translated, converted, 'taken.twice');
  });

  it('unique violation on an index with no mapping (composite primary key) → DB.CONSTRAINT_VIOLATION', async () => {
    const em = db.em();
    const role = new Role({ name: 'dup-pk' });
    await em.persistAndFlush(role);
    const insert = `insert into contractdesk_role_permissions (role_id, permission, created_at) values ('${role.id}', 'secret.perm', '2026-01-01 00:00:00')`;
    await em.getConnection().execute(insert);
    const raw = await thrown(() => db.em().getConnection().execute(insert));
    const converted = toDriverException(raw, db.em());
    expect(converted).to.be.instanceOf(UniqueConstraintViolationException);
    const translated = translateError(converted);
    expect(translated.code).to.equal('DB.CONSTRAINT_VIOLATION');
    expectClean(translated, converted, 'secret.perm');
  });

  it('foreign key violation → DB.REFERENCE_VIOLATION', async () => {
    const contract = await makeContract(db.em());
    const ghost = randomUUID();
    const error = await thrown(() => db.em().nativeUpdate(Contract, { id: contract.id }, { client: ghost }));
    expect(error).to.be.instanceOf(ForeignKeyConstraintViolationException);
    const translated = translateError(error);
    expect(translated.code).to.equal('DB.REFERENCE_VIOLATION');
    expectClean(translated, error, ghost);
  });

  it('CHECK violation (amount >= 0) → DB.CONSTRAINT_VIOLATION', async () => {
    const contract = await makeContract(db.em());
    const error = await thrown(() => db.em().nativeUpdate(Contract, { id: contract.id }, { amount: -4242n }));
    expect(error).to.be.instanceOf(CheckConstraintViolationException);
    const translated = translateError(error);
    expect(translated.code).to.equal('DB.CONSTRAINT_VIOLATION');
    expectClean(translated, error, '4242');
  });

  it('NOT NULL violation → DB.CONSTRAINT_VIOLATION', async () => {
    const error = await thrown(() =>
      db.em().getConnection().execute(`insert into contractdesk_users (id, username, email, role, created_at) values ('${randomUUID()}', 'nn.user', null, 'client', '2026-01-01')`),
    );
    const converted = toDriverException(error, db.em());
    expect(converted).to.be.instanceOf(NotNullConstraintViolationException);
    const translated = translateError(converted);
    expect(translated.code).to.equal('DB.CONSTRAINT_VIOLATION');
    expectClean(translated, converted, 'nn.user');
  });

  it('SQL syntax error → INTERNAL with a generic message, raw or converted', async () => {
    const raw = await thrown(() => db.em().getConnection().execute("selec 'classified' from contractdesk_users"));
    for (const error of [raw, toDriverException(raw, db.em())]) {
      const translated = translateError(error);
      expect(translated).to.be.instanceOf(InternalError);
      expect(translated.code).to.equal('INTERNAL');
      expect(translated.message).to.equal('An internal error occurred');
      expectClean(translated, error, 'classified');
    }
    expect(toDriverException(raw, db.em())).to.be.instanceOf(DriverException);
  });

  it('a NUL byte that skipped validation breaks the inlined SQL; the caller still sees only INTERNAL', async () => {
    const role = new Role({ name: 'nul-target' });
    await db.em().persistAndFlush(role);
    const error = await thrown(() => db.em().nativeUpdate(Role, { id: role.id }, { description: 'before\u0000after-secret' }));
    const translated = translateError(error);
    expect(translated).to.be.instanceOf(DomainError);
    expect(translated).not.to.be.instanceOf(ValidationError);
    expectClean(translated, error, 'after-secret');
    expect((await db.em().findOneOrFail(Role, role.id)).description).to.equal('');
  });

  it('dialect-specific refusals (PostgreSQL: varchar length, uuid syntax) are translated too; SQLite keeps both', async () => {
    const contract = await makeContract(db.em());
    if (db.dialect === 'sqlite') {
      // Why validation must decide: SQLite stores what PostgreSQL refuses.
      await db.em().nativeUpdate(Contract, { id: contract.id }, { title: 'y'.repeat(300) });
      expect((await db.em().findOneOrFail(Contract, contract.id)).title).to.have.length(300);
      expect(await db.em().getConnection().execute("select * from contractdesk_users where id = 'not-a-uuid'")).to.deep.equal([]);
      return;
    }
    const long = await thrown(() => db.em().nativeUpdate(Contract, { id: contract.id }, { title: `too-long-${'x'.repeat(300)}` }));
    const badUuid = await thrown(() => db.em().getConnection().execute("select * from contractdesk_users where id = 'not-a-uuid-secret'"));
    for (const error of [long, toDriverException(badUuid, db.em())]) {
      const translated = translateError(error);
      expect(translated.code).to.equal('INTERNAL');
      expectClean(translated, error, 'secret');
      expect(translated.message).not.to.include('too-long');
    }
  });
});

describe('translateError on non-database errors', () => {
  it('passes DomainErrors through unchanged and wraps anything else as INTERNAL with the cause kept', () => {
    const domain = new ValidationError('VALIDATION.TYPE', 'x', 'x must be a string');
    expect(translateError(domain)).to.equal(domain);
    for (const error of [new TypeError("Cannot read properties of null (reading 'secret')"), 'a string', { sql: 'select 1' }, undefined]) {
      const translated = translateError(error);
      expect(translated).to.be.instanceOf(InternalError);
      expect(translated.message).to.equal('An internal error occurred');
      expect(translated.cause).to.equal(error);
    }
  });
});
