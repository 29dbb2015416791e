import { expect } from 'chai';
import { MikroORM, type Options } from '@mikro-orm/core';
import { createConfig } from '../../src/config/orm-config';
import { NUMBERED_TEXT_CACHE_MAX, numbered, numberedTextCacheSize } from '../../src/db/pg-driver';
import { UnsupportedSchemaError } from '../../src/db/schema-option';
import { describeEachDialect } from '../helpers/orm';

describe('PostgreSQL numbered-text cache (issue 23: it kept every distinct SQL text forever)', () => {
  it('rewrites ? as $n, and stays at most NUMBERED_TEXT_CACHE_MAX texts however many distinct ones pass', () => {
    expect(numbered('select ? , ? from t where a = ?')).to.equal('select $1 , $2 from t where a = $3');
    for (let i = 0; i < NUMBERED_TEXT_CACHE_MAX * 3; i++) {
      // What `in (?, ?, …)` lists of every length, or ad-hoc host queries, look like.
      expect(numbered(`select * from t where id in (${new Array((i % 50) + 1).fill('?').join(', ')}) and n = ${i}`)).to.match(/\$1/);
    }
    expect(numberedTextCacheSize()).to.equal(NUMBERED_TEXT_CACHE_MAX);
  });
});

describeEachDialect(
  'a configured MikroORM schema is refused at startup (issue 23: ignored by the planned update and lean reads)',
  (db) => {
    it('schema other than the default: CONFIG.UNSUPPORTED_SCHEMA before anything connects', async () => {
      let caught: unknown;
      try {
        const orm = await MikroORM.init(createConfig(db.env, { schema: 'elsewhere' }) as Options);
        await orm.close(true);
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(UnsupportedSchemaError);
      expect((caught as UnsupportedSchemaError).code).to.equal('CONFIG.UNSUPPORTED_SCHEMA');
    });

    it('the default schema (or none) is accepted', async () => {
      const schema = db.dialect === 'postgresql' ? 'public' : undefined;
      const orm = await MikroORM.init(createConfig(db.env, { schema }) as Options);
      await orm.close(true);
    });
  },
  { migrate: false, clearBeforeEach: false, sqliteFile: true },
);
