import { expect } from 'chai';
import { Client } from 'pg';
import type { EntityManager } from '@mikro-orm/knex';
import type { ContractDeskOrm } from '../../src/config/orm-config';
import { openSqlite } from '../../src/db/better-sqlite3';
import { PartyRole } from '../../src/domain/party-role';
import { Contract } from '../../src/entities/contract.entity';
import { User } from '../../src/entities/user.entity';
import { ContractService } from '../../src/services/contract.service';
import { UserService } from '../../src/services/user.service';
import { describeEachDialect } from '../helpers/orm';

/**
 * The hot reads must stay index lookups as the tables grow (issue 22, "cost as data grows"): a plan that scans
 * contractdesk_contracts, or sorts a client's contracts to find the newest 20, costs time proportional to the
 * table or to the client's history, which the scale bench (bench/scale.ts) shows as 1M-vs-10k ratios.
 *
 * The statements are captured from the services at run time (MikroORM's public `onQuery` hook) and EXPLAINed
 * with the parameters they were sent with, so a change in how the services query is checked as it is, not as
 * this file would guess it. PostgreSQL plans on real statistics (a few thousand rows, ANALYZE), not with
 * enable_seqscan off: the planner must pick the index on its own.
 */

const CLIENTS = 100;
const FREELANCERS = 100;
// Users with no contracts: enough rows that PostgreSQL's choice of an index for the identity lookup is real.
const OTHER_USERS = 800;
// 100 contracts per client and per freelancer: more than a list's limit. With fewer rows than the limit
// PostgreSQL rightly prefers fetching them all and sorting a handful; at a party's hundreds or thousands, not.
const CONTRACTS = 10_000;

const PARTY_AT = 3_333;

const LIST_INDEX = 'contractdesk_contracts_client_created_id_idx';
const FREELANCER_LIST_INDEX = 'contractdesk_contracts_freelancer_created_id_idx';

interface Sent {
  sql: string;
  params: unknown[];
}

/** One plan, flattened to what the assertions look at. */
interface Plan {
  text: string;
  /** (table, how, index) for every access to a table. */
  accesses: Array<{ table: string; how: string; index?: string }>;
  sorts: string[];
}

describeEachDialect(
  'hot reads use their indexes (plans of the SQL the services send)',
  (db) => {
    let orm: ContractDeskOrm;
    const sent: Sent[] = [];
    let explain: (s: Sent) => Promise<Plan>;
    let closeExplainer: () => Promise<void> = async () => undefined;
    const clients: string[] = [];
    const freelancers: string[] = [];
    const contractIds: string[] = [];

    before(async function () {
      this.timeout(120_000);
      orm = await db.openAnother({
        onQuery: (sql: string, params: readonly unknown[]) => {
          sent.push({ sql, params: [...params] });
          return sql;
        },
      });
      await seed(db.em());
      if (db.dialect === 'postgresql') {
        const pg = new Client({ connectionString: db.directEnv.DATABASE_URL });
        // The suite's own after() drops the database (with force) before this file's after() runs.
        pg.on('error', () => undefined);
        await pg.connect();
        await pg.query('analyze');
        explain = async (s) => pgPlan((await pg.query(`explain (format json) ${dollarParams(s.sql)}`, s.params.map(pgParam))).rows[0]['QUERY PLAN']);
        closeExplainer = () => pg.end();
      } else {
        const sqlite = openSqlite(db.env.DB_PATH);
        sqlite.exec('analyze');
        explain = async (s) => sqlitePlan(sqlite.prepare(`explain query plan ${s.sql}`).all(...s.params.map(sqliteParam)) as Array<{ detail: string }>);
        closeExplainer = async () => void sqlite.close();
      }
    });

    after(() => closeExplainer());

    async function seed(em: EntityManager): Promise<void> {
      const base = Date.UTC(2026, 0, 1);
      const users: User[] = [];
      for (let i = 0; i < CLIENTS + FREELANCERS + OTHER_USERS; i++) {
        const role = i < CLIENTS ? PartyRole.Client : i < CLIENTS + FREELANCERS ? PartyRole.Freelancer : PartyRole.Both;
        const user = new User({ username: `plan${i}`, email: `plan${i}@example.org`, role, authSubject: `sub|plan${i}` });
        if (role === PartyRole.Client) clients.push(user.id);
        if (role === PartyRole.Freelancer) freelancers.push(user.id);
        users.push(user);
      }
      await em.insertMany(User, users);
      const rows: Array<Partial<Contract>> = [];
      for (let i = 0; i < CONTRACTS; i++) {
        const createdAt = new Date(base + 60_000 * i);
        const row = { id: crypto.randomUUID(), title: `c${i}`, client: clients[i % CLIENTS], freelancer: freelancers[(i * 7) % FREELANCERS], amount: BigInt(i), status: 'draft', currency: 'XLM', version: 1, createdAt, updatedAt: createdAt };
        contractIds.push(row.id);
        rows.push(row as unknown as Partial<Contract>);
      }
      for (let i = 0; i < rows.length; i += 1000) await em.insertMany(Contract, rows.slice(i, i + 1000));
    }

    /** The statements one service call sends (BEGIN/COMMIT and the like left out). */
    async function capture(call: () => Promise<unknown>): Promise<Sent[]> {
      sent.length = 0;
      await call();
      return sent.filter((s) => /^\s*(select|update|delete|insert)\b/i.test(s.sql));
    }

    function only(statements: Sent[], pattern: RegExp): Sent {
      const hits = statements.filter((s) => pattern.test(s.sql));
      expect(hits, statements.map((s) => s.sql).join('\n')).to.have.length(1);
      return hits[0];
    }

    function expectIndexed(plan: Plan, table: string, indexes: RegExp): void {
      const onTable = plan.accesses.filter((a) => a.table === table);
      expect(onTable, plan.text).to.not.be.empty;
      for (const a of onTable) {
        expect(a.how, plan.text).to.match(db.dialect === 'postgresql' ? /^Index (Only )?Scan$/ : /^SEARCH$/);
        expect(a.index ?? '', plan.text).to.match(indexes);
      }
    }

    const contractPk = () => (db.dialect === 'postgresql' ? /^contractdesk_contracts_pkey$/ : /^(sqlite_autoindex_contractdesk_contracts_1|PRIMARY KEY)$/);

    it('get by id: a primary-key lookup', async () => {
      const id = contractIds[CONTRACTS - 17];
      const statements = await capture(() => new ContractService(orm.em.fork() as EntityManager).get(id));
      const plan = await explain(only(statements, /contractdesk_contracts/));
      expectIndexed(plan, 'contractdesk_contracts', contractPk());
    });

    for (const [side, index] of [
      ['client', LIST_INDEX],
      ['freelancer', FREELANCER_LIST_INDEX],
    ] as const) {
      it(`list by ${side}, newest first, limit 20: one index range read in order, no sort`, async () => {
        const service = new ContractService(orm.em.fork() as EntityManager);
        const statements = await capture(() => (side === 'client' ? service.listForClient(clients[7], { limit: 20 }) : service.listForFreelancer(freelancers[7], { limit: 20 })));
        const plan = await explain(only(statements, /contractdesk_contracts/));
        expectIndexed(plan, 'contractdesk_contracts', new RegExp(`^${index}$`));
        expect(plan.sorts, plan.text).to.deep.equal([]);
      });
    }

    it('party check (a guarded transition): the read it decides on and the versioned update are primary-key lookups', async () => {
      const id = contractIds[PARTY_AT];
      let guarded = 0;
      const statements = await capture(() =>
        new ContractService(orm.em.fork() as EntityManager).transition(
          id,
          { to: 'active', expectedVersion: 1 },
          {
            guard: (contract) => {
              guarded++;
              if (!contract.isParty(clients[PARTY_AT % CLIENTS])) throw new Error('not a party');
            },
          },
        ),
      );
      expect(guarded).to.equal(1);
      for (const statement of [only(statements, /^\s*select\b.*contractdesk_contracts/i), only(statements, /^\s*update\b.*contractdesk_contracts/i)]) {
        expectIndexed(await explain(statement), 'contractdesk_contracts', contractPk());
      }
    });

    it('identity lookup (user by token subject): the auth_subject unique index', async () => {
      const statements = await capture(() => new UserService(orm.em.fork() as EntityManager).findBySubject('sub|plan500'));
      const plan = await explain(only(statements, /contractdesk_users/));
      expectIndexed(plan, 'contractdesk_users', /^contractdesk_users_auth_subject_unique$/);
    });
  },
  // A file, so the capturing ORM and the EXPLAIN connection see the database the suite's ORM migrated.
  { sqliteFile: true, clearBeforeEach: false },
);

/** `?` placeholders (as MikroORM hands SQL to onQuery) → `$n`; SQL already numbered is left alone. */
function dollarParams(sql: string): string {
  if (/\$\d/.test(sql)) return sql;
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function pgParam(v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** SQLite stores this schema's datetimes as epoch milliseconds and booleans as integers. */
function sqliteParam(v: unknown): unknown {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

function pgPlan(json: Array<{ Plan: PgNode }>): Plan {
  const plan: Plan = { text: '', accesses: [], sorts: [] };
  const lines: string[] = [];
  const walk = (node: PgNode, depth: number) => {
    const type = node['Node Type'];
    lines.push(`${'  '.repeat(depth)}${type}${node['Scan Direction'] ? ` ${node['Scan Direction']}` : ''}${node['Relation Name'] ? ` on ${node['Relation Name']}` : ''}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}${node['Sort Key'] ? ` by ${node['Sort Key'].join(', ')}` : ''}`);
    // ModifyTable names the table it writes, not how rows are found; a bitmap heap scan's index is on its
    // Bitmap Index Scan child, so the heap scan itself fails the "Index Scan" check.
    if (node['Relation Name'] && type !== 'ModifyTable') plan.accesses.push({ table: node['Relation Name'], how: type, index: node['Index Name'] });
    if (/Sort$/.test(type)) plan.sorts.push(type);
    for (const child of node.Plans ?? []) walk(child, depth + 1);
  };
  walk(json[0].Plan, 0);
  plan.text = lines.join('\n');
  return plan;
}

interface PgNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Scan Direction'?: string;
  'Sort Key'?: string[];
  Plans?: PgNode[];
}

/** `SEARCH t USING INDEX i (…)`, `SEARCH t USING INTEGER PRIMARY KEY (…)`, `SCAN t`, `USE TEMP B-TREE FOR …`. */
function sqlitePlan(rows: Array<{ detail: string }>): Plan {
  const plan: Plan = { text: rows.map((r) => r.detail).join('\n'), accesses: [], sorts: [] };
  for (const { detail } of rows) {
    const access = /^(SEARCH|SCAN) (\w+)(?: USING (?:COVERING )?(?:INDEX (\w+)|(INTEGER PRIMARY KEY|PRIMARY KEY)))?/.exec(detail);
    if (access) plan.accesses.push({ how: access[1], table: access[2], index: access[3] ?? access[4] });
    if (/TEMP B-TREE/.test(detail)) plan.sorts.push(detail);
  }
  return plan;
}
