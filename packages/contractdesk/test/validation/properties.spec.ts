import { expect } from 'chai';
import fc from 'fast-check';
import { DomainError, ValidationError } from '../../src/errors/domain-error';
import * as validate from '../../src/domain/validation';
import { CONTRACT_STATUSES } from '../../src/domain/contract-status';
import { PARTY_ROLES } from '../../src/domain/party-role';
import { checkPushEndpoint, checkPushKeys } from '../../src/domain/push-endpoint';
import { AccessService } from '../../src/services/access.service';
import { ContractService } from '../../src/services/contract.service';
import { PushSubscriptionService } from '../../src/services/push-subscription.service';
import { UserService } from '../../src/services/user.service';
import { describeEachDialect } from '../helpers/orm';
import { pushKeys } from '../helpers/factories';
import { type TABLES, expectNoSqlText } from './support';

/**
 * Differential properties: for each input field the service must agree with the pure validator on
 * random input, on both backends. Accepted → the value reads back exactly as the validator normalised
 * it; refused → the same ValidationError (code and field) and no row written; anything else (a raw
 * driver error, SQL in a message, a row from a refused call) fails the property.
 */

const RUNS = Number(process.env.FC_RUNS ?? 100);

interface FieldSpec {
  name: string;
  field: string;
  /** Inputs the validator accepts (mostly). */
  valid: fc.Arbitrary<unknown>;
  /** Inputs it refuses (mostly): wrong types, controls, lengths, near misses. */
  invalid: fc.Arbitrary<unknown>;
  /** The pure rule, throwing ValidationError; its result is what must read back. */
  oracle: (value: unknown) => unknown;
  /** Calls the service with `value` in this field (`n` makes other fields unique) and reads the field back. */
  run: (value: unknown, n: number) => Promise<unknown>;
  /** Table that gains one row per accepted call. */
  table?: (typeof TABLES)[number];
  /** When a valid value can never succeed here, the codes it must fail with instead. */
  validFailsWith?: string[];
  /** Unique fields: accepted values seen before must fail with this conflict. */
  unique?: string;
}

const anyJunk = fc.oneof(
  fc.anything(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.double(),
  fc.bigInt(),
  fc.constantFrom(null, undefined, true, '', ' ', '\u0000', '\t', [], {}, NaN, -0),
);

/** A valid-looking string with a control character somewhere inside. */
const withControl = (base: fc.Arbitrary<string>) =>
  fc
    // NUL gets its own share: it is the one that breaks MikroORM 6's inlined SQL.
    .tuple(base, fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0x9f }).filter((c) => c < 0x20 || c >= 0x7f)), fc.nat())
    .map(([s, c, at]) => {
      const i = 1 + (at % Math.max(1, s.length - 1));
      return `${s.slice(0, i)}${String.fromCharCode(c)}${s.slice(i)}x`;
    });

const unicodeText = (min: number, max: number) => fc.string({ unit: 'grapheme', minLength: min, maxLength: max });
const TOKEN = /^[A-Za-z0-9_:-]{1,150}$/;
const PUSH_PREFIXES = [
  'https://fcm.googleapis.com/fcm/send/',
  'https://fcm.googleapis.com/wp/',
  'https://updates.push.services.mozilla.com/wpush/v2/',
  'https://web.push.apple.com/',
  'https://db5p.notify.windows.com/w/?token=',
];
const randomCase = (s: string, bits: number) => [...s].map((ch, i) => ((bits >> i % 30) & 1 ? ch.toUpperCase() : ch)).join('');
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const point = fc.uint8Array({ minLength: 64, maxLength: 64 }).map((rest) => b64(Uint8Array.from([4, ...rest])));
const secret = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(b64);

function keyJunk(bytes: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.uint8Array({ minLength: 0, maxLength: 80 }).filter((b) => b.length !== bytes).map(b64),
    fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('base64').replace(/[A-Za-z0-9]/, '+')),
    fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Uint8Array.from([bytes === 65 ? 2 : b[0], ...b.slice(1)])).map(b64),
    anyJunk,
  );
}

describeEachDialect(
  'property: services agree with the validators',
  (db) => {
    const users = () => new UserService(db.em());
    const contracts = () => new ContractService(db.em());
    const access = () => new AccessService(db.em());
    const push = () => new PushSubscriptionService(db.em());
    const s = { client: '', freelancer: '', both: '', cancelled: '', roleId: '' };
    const count = async (table: string) => Number((await db.em().getConnection().execute(`select count(*) as n from contractdesk_${table}`))[0].n);

    before(async () => {
      s.client = (await users().register({ username: 'prop.client', email: 'prop.client@example.com', role: 'client' })).id;
      s.freelancer = (await users().register({ username: 'prop.freelancer', email: 'prop.freelancer@example.com', role: 'freelancer' })).id;
      s.both = (await users().register({ username: 'prop.both', email: 'prop.both@example.com', role: 'both' })).id;
      const c = await contracts().create({ title: 'Terminal', clientId: s.client, freelancerId: s.freelancer, amount: 1n });
      s.cancelled = (await contracts().transition(c.id, { expectedVersion: 1, to: 'cancelled' })).id;
      s.roleId = (await access().createRole({ name: 'prop-grants' })).id;
    });

    const newContract = async (patch: Record<string, unknown>) => {
      const created = await contracts().create({ title: 'T', clientId: s.client, freelancerId: s.freelancer, amount: 1n, ...patch } as never);
      return contracts().get(created.id);
    };
    const newUser = async (patch: Record<string, unknown>, n: number) => {
      const created = await users().register({ username: `pu${n}`, email: `pu${n}@example.com`, role: 'both', ...patch } as never);
      return users().get(created.id);
    };
    const newRole = async (patch: Record<string, unknown>, n: number) => {
      const created = await access().createRole({ name: `role ${n}`, ...patch } as never);
      return access().getRole(created.id);
    };
    const subscribe = async (patch: Record<string, unknown>, n: number) =>
      push().subscribe(s.both, { endpoint: `https://fcm.googleapis.com/fcm/send/prop-${n}`, keys: pushKeys(`k${n}`), ...patch } as never);

    const SPECS: FieldSpec[] = [
      {
        name: 'contract title',
        field: 'title',
        valid: unicodeText(1, 200),
        invalid: fc.oneof(withControl(unicodeText(2, 50)), unicodeText(201, 260), fc.constantFrom('', '   ', '\n\t'), anyJunk),
        oracle: (v) => validate.text('title', v, { max: validate.LIMITS.titleMax }),
        run: async (v) => (await newContract({ title: v })).title,
        table: 'contracts',
      },
      {
        name: 'contract amount',
        field: 'amount',
        valid: fc
          .tuple(fc.bigInt({ min: 0n, max: validate.MAX_STROOPS }), fc.constantFrom('bigint', 'string', 'number'))
          .map(([n, as]) => (as === 'string' ? n.toString() : as === 'number' && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n)),
        invalid: fc.oneof(
          fc.bigInt({ max: -1n }),
          fc.bigInt({ min: validate.MAX_STROOPS + 1n }),
          fc.double().filter((d) => !Number.isSafeInteger(d) || d < 0),
          fc.bigInt({ min: 0n }).map((n) => `${n}`).chain((d) => fc.constantFrom(`+${d}`, ` ${d}`, `${d}.0`, `0x${d}`, `${d}e1`, `-${d}`, `0${d}`)),
          fc.stringMatching(/^[0-9a-z.+\-_ ]{0,25}$/),
          anyJunk,
        ),
        oracle: (v) => validate.stroops('amount', v),
        run: async (v) => (await newContract({ amount: v })).amount,
        table: 'contracts',
      },
      {
        name: 'user id lookup',
        field: 'id',
        valid: fc.uuid().map((u) => u.toUpperCase()),
        invalid: fc.oneof(fc.uuid().map((u) => `${u} `), fc.uuid().map((u) => u.slice(1)), fc.string({ maxLength: 40 }), anyJunk),
        oracle: (v) => validate.uuid('id', v),
        run: (v) => users().get(v),
        validFailsWith: ['USER.NOT_FOUND'],
      },
      {
        name: 'username',
        field: 'username',
        valid: fc
          .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9._-]{1,20}[a-z0-9]$/), fc.nat(), fc.constantFrom('', ' ', '\t'))
          .map(([u, bits, pad]) => `${pad}${randomCase(u, bits)}${pad}`),
        invalid: fc.oneof(
          fc.stringMatching(/^[a-z0-9]{0,2}$/),
          fc.stringMatching(/^[a-z0-9]{33,40}$/),
          fc.stringMatching(/^[a-z0-9]{2,10}[ '"@!#$%^&*()+=,;:?/\\|<>~`[\]{}][a-z0-9]{1,10}$/),
          fc.stringMatching(/^[._-][a-z0-9]{3,10}$/),
          withControl(fc.stringMatching(/^[a-z]{4,10}$/)),
          anyJunk,
        ),
        oracle: (v) => validate.username(v),
        run: async (v, n) => (await newUser({ username: v }, n)).username,
        table: 'users',
        unique: 'USER.USERNAME_TAKEN',
      },
      {
        name: 'email',
        field: 'email',
        valid: fc
          .tuple(fc.stringMatching(/^[a-z0-9!#$%&'*+/=?^_`{|}~-]{1,20}(?:\.[a-z0-9_-]{1,10})?$/), fc.domain(), fc.nat())
          .map(([local, domain, bits]) => randomCase(`${local}@${domain}`, bits)),
        invalid: fc.oneof(
          fc.emailAddress().map((e) => e.replace('@', '')),
          fc.emailAddress().map((e) => e.replace('@', '@@')),
          fc.emailAddress().map((e) => e.replace('@', ' @')),
          fc.stringMatching(/^[a-z]{65,70}@example\.com$/),
          withControl(fc.emailAddress()),
          anyJunk,
        ),
        oracle: (v) => validate.email(v),
        run: async (v, n) => (await newUser({ email: v }, n)).email,
        table: 'users',
        unique: 'USER.EMAIL_TAKEN',
      },
      {
        name: 'party role',
        field: 'role',
        valid: fc.constantFrom(...PARTY_ROLES),
        invalid: fc.oneof(fc.constantFrom('Client', 'CLIENT', ' client', 'admin', 'owner'), anyJunk),
        oracle: (v) => validate.oneOf('role', v, PARTY_ROLES),
        run: async (v, n) => (await newUser({ role: v }, n)).role,
        table: 'users',
      },
      {
        name: 'contract status (on a terminal contract, so a valid value is an illegal transition)',
        field: 'status',
        valid: fc.constantFrom(...CONTRACT_STATUSES),
        invalid: fc.oneof(fc.constantFrom('DRAFT', 'Active', 'archived', 'draft '), anyJunk),
        oracle: (v) => validate.oneOf('status', v, CONTRACT_STATUSES),
        run: (v) => contracts().transition(s.cancelled, { expectedVersion: 2, to: v }),
        validFailsWith: ['CONTRACT.ILLEGAL_TRANSITION'],
      },
      {
        name: 'expectedVersion',
        field: 'expectedVersion',
        valid: fc.integer({ min: 1, max: 2_147_483_647 }),
        invalid: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 2_147_483_648, max: Number.MAX_SAFE_INTEGER }), fc.double().filter((d) => !Number.isInteger(d)), fc.nat().map(String), anyJunk),
        oracle: (v) => validate.integer('expectedVersion', v, 1, 2_147_483_647),
        run: (v) => contracts().transition(s.cancelled, { expectedVersion: v, to: 'active' }),
        validFailsWith: ['CONTRACT.VERSION_CONFLICT', 'CONTRACT.ILLEGAL_TRANSITION'],
      },
      {
        name: 'list limit',
        field: 'limit',
        valid: fc.integer({ min: 1, max: validate.LIMITS.listLimitMax }),
        invalid: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 101 }), fc.double().filter((d) => !Number.isInteger(d)), fc.nat().map(String), anyJunk.filter((x) => x !== undefined)),
        oracle: (v) => validate.listLimit(v),
        // The service runs first; only once it has accepted `v` is the validator asked what limit applied.
        run: async (v) => {
          const rows = await users().list({ limit: v });
          return rows.length <= validate.listLimit(v) ? validate.listLimit(v) : -rows.length;
        },
      },
      {
        name: 'role name',
        field: 'name',
        valid: unicodeText(1, 64),
        invalid: fc.oneof(withControl(unicodeText(2, 30)), unicodeText(65, 90), fc.constantFrom('', ' \u00a0 '), anyJunk),
        oracle: (v) => validate.text('name', v, { max: validate.LIMITS.roleNameMax }),
        run: async (v) => (await newRole({ name: v }, 0)).name,
        table: 'roles',
        unique: 'ROLE.NAME_TAKEN',
      },
      {
        name: 'role description',
        field: 'description',
        valid: fc.oneof(unicodeText(0, 500), fc.array(unicodeText(0, 40), { maxLength: 5 }).map((l) => l.join('\n\t'))),
        invalid: fc.oneof(unicodeText(501, 560), fc.string({ unit: 'binary-ascii', minLength: 3, maxLength: 30 }).map((x) => `a\u0000${x}`), anyJunk),
        oracle: (v) => (v === undefined ? '' : validate.text('description', v, { min: 0, max: validate.LIMITS.descriptionMax, multiline: true })),
        run: async (v, n) => (await newRole({ description: v }, n)).description,
        table: 'roles',
      },
      {
        name: 'role priority',
        field: 'priority',
        valid: fc.integer({ min: validate.LIMITS.priorityMin, max: validate.LIMITS.priorityMax }),
        invalid: fc.oneof(fc.integer({ min: validate.LIMITS.priorityMax + 1 }), fc.integer({ max: validate.LIMITS.priorityMin - 1 }), fc.double().filter((d) => !Number.isInteger(d)), fc.integer().map(String), anyJunk),
        oracle: (v) => (v === undefined ? 0 : validate.integer('priority', v, validate.LIMITS.priorityMin, validate.LIMITS.priorityMax)),
        run: async (v, n) => (await newRole({ priority: v }, n)).priority,
        table: 'roles',
      },
      {
        name: 'permission',
        field: 'permission',
        valid: fc.stringMatching(/^(?:\*|[a-z][a-z0-9_-]{0,10}(?:[.:][a-z][a-z0-9_-]{0,10}){0,4}(?:[.:]\*)?)$/),
        invalid: fc.oneof(
          fc.stringMatching(/^[A-Z][a-z]{1,10}\.[a-z]{1,10}$/),
          fc.stringMatching(/^[a-z]{1,10}(?:\.\.|\.\*\.|\*\*|[ '";])[a-z]{1,10}$/),
          fc.stringMatching(/^[a-z]{129,140}$/),
          withControl(fc.stringMatching(/^[a-z]{3,10}$/)),
          anyJunk,
        ),
        oracle: (v) => validate.permission(v),
        run: async (v) => {
          await access().grant(s.roleId, v);
          const granted = await access().listPermissions(s.roleId);
          return granted.find((p) => p === validate.permission(v));
        },
      },
      {
        name: 'push endpoint',
        field: 'endpoint',
        valid: fc
          .tuple(fc.constantFrom(...PUSH_PREFIXES), fc.stringMatching(TOKEN), fc.nat(), fc.boolean())
          .map(([prefix, token, bits, port]) => {
            const [scheme, rest] = prefix.split('://');
            const slash = rest.indexOf('/');
            const host = randomCase(rest.slice(0, slash), bits) + (port ? ':443' : '');
            return `${scheme}://${host}${rest.slice(slash)}${token}`;
          }),
        invalid: fc.oneof(
          fc.webUrl({ withQueryParameters: true, withFragments: true }),
          fc.ipV4().map((ip) => `https://${ip}/fcm/send/x`),
          fc.ipV4Extended().map((ip) => `https://${ip}/fcm/send/x`),
          fc.ipV6().map((ip) => `https://[${ip}]/fcm/send/x`),
          fc.tuple(fc.domain(), fc.constantFrom(...PUSH_PREFIXES)).map(([d, p]) => p.replace('://', `://${d}@`)),
          fc.tuple(fc.constantFrom(...PUSH_PREFIXES), fc.domain()).map(([p, d]) => p.replace(/(\/\/[^/]+)/, `$1.${d}`)),
          fc.tuple(fc.constantFrom(...PUSH_PREFIXES), fc.integer({ min: 1, max: 65535 }).filter((p) => p !== 443)).map(([p, port]) => p.replace(/(\/\/[^/]+)/, `$1:${port}`) + 'x'),
          fc.constantFrom(...PUSH_PREFIXES).map((p) => p.replace('https:', 'http:') + 'x'),
          fc.constantFrom(...PUSH_PREFIXES).map((p) => `${p}${'t'.repeat(1000)}`),
          withControl(fc.constantFrom(...PUSH_PREFIXES)),
          anyJunk,
        ),
        oracle: (v) => checkPushEndpoint(v),
        run: async (v, n) => (await subscribe({ endpoint: v }, n)).endpoint,
      },
      {
        name: 'push key p256dh',
        field: 'keys.p256dh',
        valid: fc.tuple(point, fc.boolean()).map(([k, pad]) => (pad ? `${k}=` : k)),
        invalid: keyJunk(65),
        oracle: (v) => checkPushKeys({ p256dh: v, auth: pushKeys().auth }).p256dh,
        run: async (v, n) => (await subscribe({ keys: { p256dh: v, auth: pushKeys().auth } }, n)).p256dh,
        table: 'push_subscriptions',
      },
      {
        name: 'push key auth',
        field: 'keys.auth',
        valid: fc.tuple(secret, fc.boolean()).map(([k, pad]) => (pad ? `${k}==` : k)),
        invalid: keyJunk(16),
        oracle: (v) => checkPushKeys({ p256dh: pushKeys().p256dh, auth: v }).auth,
        run: async (v, n) => (await subscribe({ keys: { p256dh: pushKeys().p256dh, auth: v } }, n)).auth,
        table: 'push_subscriptions',
      },
    ];

    let counter = 0;
    for (const spec of SPECS) {
      it(`${spec.name}: ${RUNS} random inputs, valid ones round-trip, invalid ones are ValidationErrors that write nothing`, async function () {
        this.timeout(120_000);
        const rowsBefore = spec.table ? await count(spec.table) : 0;
        const seen = new Set<string>();
        const tally = { accepted: 0, refused: 0 };
        await fc.assert(
          fc.asyncProperty(fc.oneof({ arbitrary: spec.valid, weight: 1 }, { arbitrary: spec.invalid, weight: 1 }), async (value) => {
            const n = ++counter;
            let expected: unknown;
            let refusal: ValidationError | undefined;
            try {
              expected = spec.oracle(value);
            } catch (e) {
              if (!(e instanceof ValidationError)) throw e;
              refusal = e;
            }
            let got: unknown;
            let error: unknown;
            try {
              got = await spec.run(value, n);
            } catch (e) {
              error = e;
            }
            if (error !== undefined) {
              expect(error, `not a DomainError: ${String(error)}`).to.be.instanceOf(DomainError);
              expectNoSqlText((error as DomainError).message);
            }
            if (refusal) {
              expect(error, 'the service accepted what the validator refuses').to.be.instanceOf(ValidationError);
              expect([(error as ValidationError).code, (error as ValidationError).field]).to.deep.equal([refusal.code, refusal.field]);
              tally.refused++;
              return;
            }
            const key = JSON.stringify(expected, (_k, x) => (typeof x === 'bigint' ? `${x}` : x));
            if (spec.validFailsWith) {
              expect(spec.validFailsWith).to.include((error as DomainError | undefined)?.code);
            } else if (spec.unique && seen.has(key)) {
              expect((error as DomainError | undefined)?.code).to.equal(spec.unique);
              return;
            } else {
              if (error !== undefined) throw error;
              expect(got).to.deep.equal(expected);
            }
            seen.add(key);
            tally.accepted++;
          }),
          { numRuns: RUNS },
        );
        // Both halves were really exercised, and only accepted calls added rows.
        expect(tally.accepted, 'valid inputs tried').to.be.greaterThan(RUNS / 5);
        expect(tally.refused, 'invalid inputs tried').to.be.greaterThan(RUNS / 5);
        if (spec.table) expect(await count(spec.table)).to.equal(rowsBefore + (spec.validFailsWith ? 0 : tally.accepted));
      });
    }
  },
  { clearBeforeEach: false },
);
