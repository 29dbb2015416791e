import { expect } from 'chai';
import { Client } from 'pg';
import { makeContract } from '../helpers/factories';
import { describeEachDialect } from '../helpers/orm';

const CLIENT_IDX = 'contractdesk_contracts_client_created_id_idx';
const FREELANCER_IDX = 'contractdesk_contracts_freelancer_created_id_idx';

/**
 * The online path of Migration20261207000427_PartyListOrder (its header, docs/operations.md): an operator builds the
 * new indexes CONCURRENTLY while the app serves, then migrates. The migration must keep a good pre-built index (no
 * second build under a write-blocking lock) and must not keep an INVALID one a failed concurrent build left behind
 * (PostgreSQL never uses it for reads, and `if not exists` alone would skip it).
 */
describeEachDialect(
  'PartyListOrder after a concurrent pre-build',
  (db) => {
    // SQLite has no concurrent build: its migration is plain create/drop (covered by the migration suites).
    if (db.dialect !== 'postgresql') return;
    it('keeps a valid pre-built index, rebuilds an invalid one, drops the old ones, and matches the entities', async function () {
      this.timeout(120_000);
      await db.orm.migrator.up({ to: 'Migration20261206204545_Namespace' });
      // Two contracts of one freelancer, so a unique build on freelancer_id fails halfway.
      const em = db.em();
      const first = await makeContract(em);
      await makeContract(em);

      const pg = new Client({ connectionString: db.directEnv.DATABASE_URL });
      await pg.connect();
      try {
        await pg.query('update contractdesk_contracts set freelancer_id = $1', [first.freelancer.id]);
        const indexes = async () =>
          (
            await pg.query<{ name: string; oid: number; valid: boolean; def: string }>(
              `select c.relname as name, c.oid::int as oid, i.indisvalid as valid, pg_get_indexdef(c.oid) as def
               from pg_index i join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid
               where t.relname = 'contractdesk_contracts' order by c.relname`,
            )
          ).rows;
        await pg.query(`create index concurrently "${CLIENT_IDX}" on "contractdesk_contracts" ("client_id", "created_at", "id")`);
        const failed = await pg.query(`create unique index concurrently "${FREELANCER_IDX}" on "contractdesk_contracts" ("freelancer_id")`).then(
          () => undefined,
          (error: Error) => error,
        );
        expect(failed?.message).to.match(/could not create unique index/);
        const before = await indexes();
        expect(before.find((i) => i.name === FREELANCER_IDX)?.valid, 'the failed build left an invalid index').to.equal(false);

        const applied = await db.orm.migrator.up();
        expect(applied.map((m) => m.name)).to.include('Migration20261207000427_PartyListOrder');

        const after = await indexes();
        const byName = new Map(after.map((i) => [i.name, i]));
        expect(byName.get(CLIENT_IDX)?.oid, 'the pre-built index was kept, not built again').to.equal(before.find((i) => i.name === CLIENT_IDX)?.oid);
        expect(byName.get(FREELANCER_IDX)?.valid).to.equal(true);
        expect(byName.get(FREELANCER_IDX)?.def).to.match(/USING btree \(freelancer_id, created_at, id\)$/);
        expect(byName.has('contractdesk_contracts_client_created_idx')).to.equal(false);
        expect(byName.has('contractdesk_contracts_freelancer_created_idx')).to.equal(false);
        expect(await db.orm.migrator.checkMigrationNeeded()).to.equal(false);
      } finally {
        await pg.end();
      }
    });
  },
  { migrate: false, clearBeforeEach: false, pooler: false },
);
