import { expect } from 'chai';
import { ConflictError } from '../../src/errors/domain-error';
import { AccessService } from '../../src/services/access.service';
import { ContractService } from '../../src/services/contract.service';
import { UserService } from '../../src/services/user.service';
import { describeEachDialect } from '../helpers/orm';
import { uniqueName } from '../helpers/factories';
import { expectFailure } from './support';

/**
 * MikroORM 6 inlines escaped values into the SQL text and knex then scans that text for `?` and `??`
 * placeholders; PostgreSQL has `$1` parameters, `E'…'` strings and `--` comments. None of that may bend a
 * value: each string below must come back byte for byte, through the services and through a raw SELECT.
 */
export const METACHARACTER_TEXTS: readonly string[] = [
  `' " \\ -- ; ? ?? $1 %`,
  `'`,
  `''`,
  `"`,
  `\\`,
  `\\'`,
  `\\\\'; --`,
  `'); drop table contractdesk_contracts; --`,
  `" or ""="`,
  `?`,
  `??`,
  `? ?? ??? ?`,
  `$1 $2 $$ $tag$ $$x$$`,
  `%s %d %% _ %_`,
  `:name :1 ::text`,
  '`backtick` /* comment */ # hash',
  `E'\\x41' U&'\\0041'`,
  `\\u0041 \\n \\t`,
  'Logo 🎨 design 👩🏽‍💻 🇪🇺',
  'عقد تصميم الشعار',
  'חוזה עיצוב — שלב א׳',
  'mixed English وعربي and עברית',
  'e\u0301 n\u0303 a\u0308\u0304 Z\u0324\u0354\u0367',
  '\u202eevil\u202c \u200f\u200e zero\u200bwidth',
  '日本語の契約書・𠮷野家',
  'bom\ufeffin\u00a0the\u2028middle',
];

describeEachDialect('metacharacters and unicode round-trip exactly', (db) => {
  const raw = async (sql: string, id: string) => (await db.em().getConnection().execute(sql, [id]))[0] as Record<string, unknown>;
  const party = async (role: 'client' | 'freelancer') => {
    const name = uniqueName(role);
    return new UserService(db.em()).register({ username: name, email: `${name}@example.com`, role });
  };

  it('contract titles: create, get, rename, list, raw SELECT', async () => {
    const client = await party('client');
    const freelancer = await party('freelancer');
    const contracts = () => new ContractService(db.em());
    for (const title of METACHARACTER_TEXTS) {
      const created = await contracts().create({ title, clientId: client.id, freelancerId: freelancer.id, amount: '1' });
      expect((await contracts().get(created.id)).title).to.equal(title);
      expect((await raw('select title from contractdesk_contracts where id = ?', created.id)).title).to.equal(title);
      const renamed = `${title} (v2) ${title}`.slice(0, 200);
      await contracts().rename(created.id, { expectedVersion: created.version, title: renamed });
      expect((await contracts().get(created.id)).title).to.equal(renamed.trim());
    }
    const listed = await contracts().listForClient(client.id, { limit: 100 });
    expect(listed).to.have.length(METACHARACTER_TEXTS.length);
  });

  it('role names and multi-line descriptions: create, get, update, list, raw SELECT; uniqueness is exact', async () => {
    const access = () => new AccessService(db.em());
    for (const [i, text] of METACHARACTER_TEXTS.entries()) {
      const name = `${text}`.slice(0, 60) + `#${i}`;
      const description = `${text}\n\tline two: ${text}`;
      const role = await access().createRole({ name, description, priority: i - 5 });
      const loaded = await access().getRole(role.id);
      expect([loaded.name, loaded.description, loaded.priority]).to.deep.equal([name, description, i - 5]);
      expect(await raw('select name, description from contractdesk_roles where id = ?', role.id)).to.deep.equal({ name, description });
      await access().updateRole(role.id, { description: text });
      expect((await access().getRole(role.id)).description).to.equal(text);
      await expectFailure(() => access().createRole({ name }), { type: ConflictError, code: 'ROLE.NAME_TAKEN' });
    }
    const names = (await access().listRoles()).map((r) => r.name);
    expect(names).to.have.length(METACHARACTER_TEXTS.length);
  });

  it('usernames and emails keep every character their patterns allow (after the documented lower-casing)', async () => {
    const users = () => new UserService(db.em());
    const samples: Array<[username: string, email: string]> = [
      ['a--b', "o'brien--x@example.com"],
      ['x.-_y', 'percent%sign$1?@example.com'],
      ['1--1', "quote'n'dash-@example.com"],
      ['ab_--_cd', 'q??q$$q@example.com'],
      ['Mixed.Case', 'Émile.Zola@Example.COM'],
      ['u--sql', "x'--;@example.com".replace(';', '')],
    ];
    for (const [username, email] of samples) {
      const user = await users().register({ username, email, role: 'both' });
      const loaded = await users().get(user.id);
      expect([loaded.username, loaded.email]).to.deep.equal([username.toLowerCase(), email.toLowerCase()]);
      expect(await raw('select username, email from contractdesk_users where id = ?', user.id)).to.deep.equal({
        username: username.toLowerCase(),
        email: email.toLowerCase(),
      });
    }
  });
});
