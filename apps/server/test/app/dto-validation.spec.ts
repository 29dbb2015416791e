import 'reflect-metadata';
import { type ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { expect } from 'chai';
import { DtoValidationPipe } from '../../src/dto/validation-pipe';
import { AmountRevisionsDto, ListContractsQuery, ReviseAmountDto, SubscribeDto, TransitionDto, UpdateRoleDto } from '../../src/dto/requests';
import { ValidationError } from '../../../../packages/contractdesk/src/errors/domain-error';
import { SETTLED_CHECKS } from '../../src/dto/settled-bodies';

/** The HTTP edge's DTO check: the project's codes and the field path as the client wrote it. */
describe('DTO validation pipe', () => {
  const pipe = new DtoValidationPipe();
  const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype });

  async function refusal(value: unknown, metadata: ArgumentMetadata): Promise<{ code: string; field: string; message: string }> {
    const error = await pipe.transform(value, metadata).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, `expected ${JSON.stringify(value)} to be refused`).to.be.instanceOf(ValidationError);
    const { code, field, message } = error as ValidationError;
    return { code, field, message };
  }

  it('refuses a body that is not a JSON object', async () => {
    for (const value of [[], null, 'text', 42]) {
      expect(await refusal(value, body(TransitionDto))).to.deep.include({ code: 'REQUEST.BODY_NOT_OBJECT', field: 'body' });
    }
  });

  it('names the field the client sent (`to`, not the entity\'s `status`)', async () => {
    expect(await refusal({ to: 'bogus', expectedVersion: 1 }, body(TransitionDto))).to.deep.equal({
      code: 'VALIDATION.INVALID_VALUE',
      field: 'to',
      message: 'to must be one of: draft, active, completed, disputed, cancelled',
    });
  });

  it('gives custom rules their code too (a wrong amount type is INVALID_AMOUNT, as in the domain)', async () => {
    for (const amount of [true, null, {}, []]) {
      expect(await refusal({ amount }, body(ReviseAmountDto))).to.deep.include({ code: 'VALIDATION.INVALID_AMOUNT', field: 'amount' });
    }
  });

  it('writes nested paths as the client wrote them', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    expect(await refusal({ changes: [{ id, expectedVersion: 1, amount: '1' }, { id: 'x', expectedVersion: 1, amount: '1' }] }, body(AmountRevisionsDto)))
      .to.deep.include({ code: 'VALIDATION.INVALID_UUID', field: 'changes[1].id' });
    expect(await refusal({ changes: [5] }, body(AmountRevisionsDto))).to.deep.include({ code: 'VALIDATION.TYPE', field: 'changes[0]' });
    expect(await refusal({ changes: 'x' }, body(AmountRevisionsDto))).to.deep.include({ code: 'VALIDATION.INVALID_VALUE', field: 'changes' });
    const keys = { p256dh: 'BAcH', auth: 7 };
    expect(await refusal({ endpoint: 'https://fcm.googleapis.com/x', keys }, body(SubscribeDto))).to.deep.include({
      code: 'PUSH.KEY_AUTH_INVALID',
      field: 'keys.auth',
    });
  });

  it('refuses repeated query parameters with the service\'s codes', async () => {
    const query: ArgumentMetadata = { type: 'query', metatype: ListContractsQuery };
    expect(await refusal({ clientId: ['a', 'b'] }, query)).to.deep.include({ code: 'VALIDATION.TYPE', field: 'clientId' });
    expect(await refusal({ clientId: 'a', limit: ['1', '2'] }, query)).to.deep.include({ code: 'VALIDATION.NOT_AN_INTEGER', field: 'limit' });
  });

  it('passes a valid body on unchanged (unknown fields included), and no body as undefined', async () => {
    const sent = { to: 'active', expectedVersion: 1, note: 'kept' };
    expect(await pipe.transform(sent, body(TransitionDto))).to.deep.equal(sent);
    expect(await pipe.transform(undefined, body(UpdateRoleDto))).to.equal(undefined);
    // null is a value, checked like any other (only an absent field is optional)
    expect(await refusal({ description: null }, body(UpdateRoleDto))).to.deep.include({ code: 'VALIDATION.TYPE', field: 'description' });
  });

  it('settles a body without class-validator only where the decorators accept it, with the same result', async () => {
    const bodies: unknown[] = [
      { to: 'active' },
      { to: 'active', expectedVersion: 3 },
      { to: 'cancelled', expectedVersion: 0 },
      { to: 'active', expectedVersion: -1 },
      { to: 'active', expectedVersion: 1.5 },
      { to: 'active', expectedVersion: '3' },
      { to: 'active', expectedVersion: null },
      { to: 'bogus', expectedVersion: 1 },
      { to: 'Active' },
      { to: null },
      { to: ['active'] },
      { expectedVersion: 1 },
      {},
      { to: 'active', note: 'kept' },
      { to: 'active', constructor: 'x' },
      JSON.parse('{"to":"active","__proto__":{"x":1}}'),
      Object.assign(Object.create({ inherited: 1 }), { to: 'active' }),
    ];
    for (const [dto, settled] of SETTLED_CHECKS) {
      const metadata = body(dto as ArgumentMetadata['metatype']);
      for (const value of bodies) {
        if (!settled(value as object)) continue;
        // The full pipe, as it runs for any body the check leaves to it.
        const full = await ValidationPipe.prototype.transform.call(pipe, structuredClone(value), metadata);
        expect(full, JSON.stringify(value)).to.deep.equal(value);
        expect(await pipe.transform(value, metadata)).to.equal(value);
      }
    }
    const settled = SETTLED_CHECKS.get(TransitionDto)!;
    expect(bodies.filter((value) => settled(value as object))).to.have.length(4);
  });
});

