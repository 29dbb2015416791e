import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { ValidationError } from '../../src/errors/domain-error';
import * as validate from '../../src/domain/validation';

const root = join(__dirname, '..', '..', '..', '..');

function refusal(work: () => unknown): ValidationError {
  try {
    work();
  } catch (error) {
    expect(error).to.be.instanceOf(ValidationError);
    return error as ValidationError;
  }
  return expect.fail('expected a ValidationError');
}

describe('validation rules (pure)', () => {
  it('normalises what it accepts: trim, lower-case, code-point lengths', () => {
    expect(validate.username('  Alice.Smith ')).to.equal('alice.smith');
    expect(validate.email(' Bob@Example.COM ')).to.equal('bob@example.com');
    expect(validate.uuid('id', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).to.equal('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(validate.text('title', '\u{1f4dd}'.repeat(200), { max: 200 })).to.have.length(400);
    expect(validate.text('d', ' a\n\tb ', { max: 10, multiline: true })).to.equal('a\n\tb');
    expect(validate.text('d', '   ', { min: 0, max: 10 })).to.equal('');
    expect(Object.is(validate.integer('priority', -0, -5, 5), 0)).to.equal(true);
    expect(validate.listLimit(undefined)).to.equal(20);
  });

  it('amounts: bigint, decimal string, or a JS number while it is still exact; always a bigint out', () => {
    expect(validate.stroops('amount', 0)).to.equal(0n);
    expect(validate.stroops('amount', '0')).to.equal(0n);
    expect(validate.stroops('amount', Number.MAX_SAFE_INTEGER)).to.equal(9007199254740991n);
    expect(validate.stroops('amount', '9223372036854775807')).to.equal(validate.MAX_STROOPS);
    expect(validate.stroops('amount', validate.MAX_STROOPS)).to.equal(validate.MAX_STROOPS);
    expect(refusal(() => validate.stroops('amount', '-0')).code).to.equal('VALIDATION.INVALID_AMOUNT');
    expect(refusal(() => validate.stroops('amount', '-007')).code).to.equal('VALIDATION.NEGATIVE_AMOUNT');
    expect(refusal(() => validate.stroops('amount', '1'.repeat(100_000))).code).to.equal('VALIDATION.AMOUNT_TOO_LARGE');
  });

  it('property: stroops accepts exactly the decimal strings of 0..2^63-1', () => {
    fc.assert(
      fc.property(fc.oneof(fc.bigInt({ min: -10n, max: validate.MAX_STROOPS + 10n }).map(String), fc.string({ unit: 'binary-ascii', maxLength: 22 })), (s) => {
        const canonical = /^(?:0|[1-9]\d*)$/.test(s) && BigInt(s) <= validate.MAX_STROOPS;
        if (canonical) expect(validate.stroops('amount', s)).to.equal(BigInt(s));
        else expect(() => validate.stroops('amount', s)).to.throw(ValidationError);
      }),
      { numRuns: 500 },
    );
  });

  it('property: text() never returns a control character, and what it returns validates to itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.boolean(), (s, multiline) => {
        let out: string;
        try {
          out = validate.text('t', s, { min: 0, max: 40, multiline });
        } catch (error) {
          expect(error).to.be.instanceOf(ValidationError);
          return;
        }
        expect(out).not.to.match(multiline ? /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/ : /[\u0000-\u001f\u007f-\u009f]/);
        expect(validate.text('t', out, { min: 0, max: 40, multiline })).to.equal(out);
      }),
      { numRuns: 300 },
    );
  });

  it('messages name the field and the rule but never echo the input', () => {
    const payload = "x'); drop table contractdesk_users; --\u0000";
    const checks: Array<() => unknown> = [
      () => validate.uuid('id', payload),
      () => validate.username(payload),
      () => validate.email(payload),
      () => validate.text('title', payload, { max: 200 }),
      () => validate.permission(payload),
      () => validate.oneOf('status', payload, ['draft']),
      () => validate.stroops('amount', payload),
      () => validate.integer('limit', payload, 1, 100),
      () => validate.record('input', payload),
    ];
    for (const check of checks) {
      const error = refusal(check);
      expect(error.message).not.to.include('drop table');
      expect(error.message).to.include(error.field);
      expect(error.toJSON()).to.deep.equal({ code: error.code, message: error.message, field: error.field });
    }
  });
});

describe('validation codes are documented', () => {
  function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
    });
  }

  it('every ValidationError code used in src/ appears in the table of docs/security.md', () => {
    const doc = readFileSync(join(root, 'docs', 'security.md'), 'utf8');
    const codes = new Set<string>();
    for (const file of [...sources(join(root, 'packages/contractdesk/src')), ...sources(join(root, 'apps/server/src'))]) {
      // Codes handed to a ValidationError: the constructor, the fail()/reject() helpers, and key checks.
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?:new ValidationError|fail|reject)\(\s*'([A-Z]+\.[A-Z0-9_]+)'/g)) codes.add(match[1]);
      for (const match of text.matchAll(/base64urlKey\([^)]*'([A-Z]+\.[A-Z0-9_]+)'\)/g)) codes.add(match[1]);
    }
    expect(codes.size).to.be.greaterThan(20);
    const missing = [...codes].filter((code) => !doc.includes(`| \`${code}\` |`));
    expect(missing, 'add these codes to the table in docs/security.md').to.deep.equal([]);
  });
});
