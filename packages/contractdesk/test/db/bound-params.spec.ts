import { expect } from 'chai';
import type { EntityManager } from '@mikro-orm/knex';
import { Contract } from '../../src/entities/contract.entity';
import { Role } from '../../src/entities/role.entity';
import { NOT_BINDABLE, bindScalar, bindable } from '../../src/db/bound-params';
import { translateError } from '../../src/errors/translate';
import { describeEachDialect } from '../helpers/orm';
import { makeContract } from '../helpers/factories';

/**
 * Inside our transactions MikroORM's statements are sent with bound values (src/db/bound-params.ts); outside,
 * knex inlines them. The stored rows must not tell the two apart.
 */
describeEachDialect('bound values in transactions', (db) => {
  const rawRow = async (id: string) => {
    const sql =
      db.dialect === 'sqlite'
        ? 'select title, amount, typeof(amount) as amount_type, updated_at, typeof(updated_at) as updated_type, version from contractdesk_contracts where id = ?'
        : 'select title, amount::text as amount, updated_at::text as updated_at, version from contractdesk_contracts where id = ?';
    const [row] = await db.em().getConnection().execute<Record<string, unknown>[]>(sql, [id]);
    return row;
  };

  it('stores exactly what the inlined statement stored: text with quotes and placeholders, int64 amounts, dates', async () => {
    const [bound, inlined] = [await makeContract(db.em()), await makeContract(db.em())];
    const change = { title: `O'Brien "?" \\ ?? $1 -- ünï ${'ß'.repeat(3)}`, amount: 9_223_372_036_854_775_807n, updatedAt: new Date('2026-11-27T21:59:58.123Z') };
    await db.em().transactional((em: EntityManager) => em.nativeUpdate(Contract, { id: bound.id }, change));
    await db.em().nativeUpdate(Contract, { id: inlined.id }, change);
    const [a, b] = [await rawRow(bound.id), await rawRow(inlined.id)];
    expect(a).to.deep.equal(b);
    expect(a.title).to.equal(change.title);
    const loaded = await db.em().findOneOrFail(Contract, bound.id);
    expect(loaded.amount).to.equal(change.amount);
    expect(loaded.updatedAt.toISOString()).to.equal(change.updatedAt.toISOString());
  });

  it('a NUL byte is a value, never SQL: SQLite stores it as sent; PostgreSQL refuses it without echoing the value', async () => {
    const role = new Role({ name: 'nul-bound' });
    await db.em().persistAndFlush(role);
    const write = db.em().transactional((em: EntityManager) => em.nativeUpdate(Role, { id: role.id }, { description: 'before\u0000after-secret' }));
    if (db.dialect === 'sqlite') {
      await write;
      expect((await db.em().findOneOrFail(Role, role.id)).description).to.equal('before\u0000after-secret');
      return;
    }
    const error = await write.then(() => expect.fail('PostgreSQL text cannot hold NUL'), (e: unknown) => e);
    const translated = translateError(error);
    expect(translated.code).to.equal('INTERNAL');
    expect(`${translated.message} ${String(translated.stack)}`).not.to.include('after-secret');
  });
});

describe('bindable: which statements are sent with bound values', () => {
  const same = (value: unknown) => bindScalar(value, (v) => v);

  it('binds MikroORM-built statements whose placeholders match their values', () => {
    expect(bindable('update "t" set "a" = ?, "b" = ? where "id" = ?', ['x', 1, null], same)).to.deep.equal(['x', 1, null]);
    expect(bindable('select 1', [], same), 'nothing to bind').to.equal(undefined);
  });

  it('keeps inlining where binding could change the meaning: literals, identifier placeholders, counts that differ, lists, objects', () => {
    expect(bindable("update t set a = ? where b = 'x?'", [1], same)).to.equal(undefined);
    expect(bindable('select ?? from t where a = ?', ['c', 1], same)).to.equal(undefined);
    expect(bindable('select * from t where a = ?', [1, 2], same)).to.equal(undefined);
    expect(bindable('select * from t where a in (?)', [[1, 2]], same)).to.equal(undefined);
    expect(bindable('update t set j = ?', [{ a: 1 }], same)).to.equal(undefined);
    expect(bindable('update t set n = ?', [Number.NaN], same)).to.equal(undefined);
    expect(bindScalar(new Date(Number.NaN), (v) => v)).to.equal(NOT_BINDABLE);
  });
});
