import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { migrationPaths } from '../../src/config/orm-config';
import { REVIEWED_SAFEGUARD_MARKER, unreviewedRebuildSigns } from './sqlite-rebuild-rule';

describe('SQLite migrations never rebuild a table without a reviewed safeguard', () => {
  const dir = migrationPaths('sqlite').pathTs;
  const files = readdirSync(dir).filter((f) => /^Migration.*\.ts$/.test(f));

  it('finds the SQLite migrations', () => {
    expect(files.length).to.be.greaterThan(1);
  });

  for (const file of files) {
    it(`${file} has no unreviewed table rebuild or foreign_keys = off`, () => {
      expect(unreviewedRebuildSigns(readFileSync(join(dir, file), 'utf8'))).to.deep.equal([]);
    });
  }

  it('flags what the Migrator generates for a rebuild, unless the file carries the marker', () => {
    // Shape of MikroORM 6.6's SQLite output when a column change cannot be done by ALTER TABLE.
    const generated = [
      "this.addSql(`pragma foreign_keys = off;`);",
      'this.addSql(`create table `users__temp_alter` (`id` text not null, primary key (`id`));`);',
      'this.addSql(`insert into `users__temp_alter` select * from `users`;`);',
      'this.addSql(`drop table `users`;`);',
      'this.addSql(`alter table `users__temp_alter` rename to `users`;`);',
      "this.addSql(`pragma foreign_keys = on;`);",
    ].join('\n');
    expect(unreviewedRebuildSigns(generated)).to.include.members(['table rebuild (__temp_alter)', 'pragma foreign_keys = off', 'drop table']);
    expect(unreviewedRebuildSigns(`// ${REVIEWED_SAFEGUARD_MARKER} children saved and restored, counts checked\n${generated}`)).to.deep.equal([]);
    // Mentioning a rebuild in a comment is not a rebuild.
    expect(unreviewedRebuildSigns('// the Migrator would use __temp_alter here; we add a column instead')).to.deep.equal([]);
  });
});
