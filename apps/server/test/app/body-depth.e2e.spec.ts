import { expect } from 'chai';
import fc from 'fast-check';
import { JSON_MAX_DEPTH, exceedsDepth } from '../../src/http/json-body';
import { describeEachDialect } from '../../../../packages/contractdesk/test/helpers/orm';
import { registerUser, useApp } from './http';

/** `{"a":` × depth … `}` × depth: the 60 KB body of issue 23 that exhausted the stack at 3,000 levels. */
const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

const BODY_LIMIT_BYTES = 64 * 1024;

describe('json-body: exceedsDepth', () => {
  it('counts the body itself as level 1 and stops at the limit, without recursing', () => {
    expect(exceedsDepth(JSON.parse(nestedObjects(JSON_MAX_DEPTH)), JSON_MAX_DEPTH)).to.equal(false);
    expect(exceedsDepth(JSON.parse(nestedObjects(JSON_MAX_DEPTH + 1)), JSON_MAX_DEPTH)).to.equal(true);
    expect(exceedsDepth(JSON.parse(nestedArrays(JSON_MAX_DEPTH)), JSON_MAX_DEPTH)).to.equal(false);
    expect(exceedsDepth(JSON.parse(nestedArrays(JSON_MAX_DEPTH + 1)), JSON_MAX_DEPTH)).to.equal(true);
    expect(exceedsDepth(JSON.parse(nestedArrays(200_000)), JSON_MAX_DEPTH)).to.equal(true);
    expect(exceedsDepth('text', 1)).to.equal(false);
  });
});

describeEachDialect('app e2e: JSON nesting depth (issue 23)', (db) => {
  describe('over HTTP', () => {
    const app = useApp(() => db.env);

    async function post(path: string, raw: string, as?: string) {
      return app().request('POST', path, { raw, ...(as ? { as } : { subject: `depth-${Math.random()}` }) });
    }

    it('400 REQUEST.TOO_DEEP for 10,000 levels of {"a": on POST /users, /contracts and push subscriptions (was 500)', async () => {
      const caller = await registerUser(app());
      const body = nestedObjects(10_000);
      expect(Buffer.byteLength(body)).to.be.below(BODY_LIMIT_BYTES);
      for (const [path, as] of [['/users', undefined], ['/contracts', caller.id], [`/users/${caller.id}/push-subscriptions`, caller.id]] as const) {
        const res = await post(path, body, as);
        expect(res.status, path).to.equal(400);
        expect(res.body.code, path).to.equal('REQUEST.TOO_DEEP');
      }
    });

    it('the limit is the documented constant: one level under it reaches validation, one over is refused', async () => {
      const under = await post('/users', nestedObjects(JSON_MAX_DEPTH));
      expect(under.status).to.equal(400);
      expect(under.body.code).not.to.equal('REQUEST.TOO_DEEP');
      const over = await post('/users', nestedObjects(JSON_MAX_DEPTH + 1));
      expect(over.body.code).to.equal('REQUEST.TOO_DEEP');
    });

    it('property: no body under the size limit, of any shape or depth, gets a 5xx', async function () {
      this.timeout(120_000);
      const caller = await registerUser(app());
      const paths = ['/users', '/contracts', '/contracts/amount-revisions', '/roles', `/users/${caller.id}/push-subscriptions`];
      // Any JSON value, wrapped in up to 5,000 levels of objects or arrays (mixed), under 64 KB.
      const wrapper = fc.array(fc.constantFrom<[string, string]>(['{"a":', '}'], ['[', ']'], ['{"changes":[', ']}'], ['{"keys":', '}']), { maxLength: 40 });
      const body = fc
        .tuple(fc.jsonValue(), wrapper, fc.nat({ max: 5000 }), fc.constantFrom(...paths), fc.boolean())
        .map(([inner, layers, repeat, path, registered]) => {
          const open = layers.map(([o]) => o).join('');
          const close = [...layers].reverse().map(([, c]) => c).join('');
          const times = layers.length === 0 ? 0 : Math.max(1, Math.floor(repeat / layers.length));
          return { raw: open.repeat(times) + JSON.stringify(inner) + close.repeat(times), path, registered };
        })
        .filter(({ raw }) => Buffer.byteLength(raw) < BODY_LIMIT_BYTES);
      await fc.assert(
        fc.asyncProperty(body, async ({ raw, path, registered }) => {
          const res = await post(path, raw, registered ? caller.id : undefined);
          expect(res.status, `${path} ${raw.slice(0, 80)}`).to.be.below(500);
        }),
        { numRuns: Number(process.env.FC_RUNS ?? 60) },
      );
    });
  });
}, { sqliteFile: true });
