import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Contract } from '../../../../packages/contractdesk/src/entities/contract.entity';
import { User } from '../../../../packages/contractdesk/src/entities/user.entity';
import { describeEachDialect } from '../../../../packages/contractdesk/test/helpers/orm';
import { createContract, registerUser, useApp } from './http';

describeEachDialect(
  'app e2e: users and contracts',
  (db) => {
    describe('over HTTP', () => {
      const app = useApp(() => db.env);

      describe('users', () => {
        it('POST /users registers (201), GET one and the list return it, DELETE by the user removes it (204)', async () => {
          const subject = `alice|${randomUUID()}`;
          const res = await app().request('POST', '/users', { subject, body: { username: ' Alice.Smith ', email: 'Alice@Example.com', role: 'client' } });
          expect(res.status).to.equal(201);
          // The subject is bound once: a second registration with the same identity is refused.
          const again = await app().request('POST', '/users', { subject, body: { username: 'alice2', email: 'alice2@example.com', role: 'client' } });
          expect(again.status).to.equal(409);
          expect(again.body.code).to.equal('USER.SUBJECT_TAKEN');
          expect(await db.em().count(User, {})).to.equal(1);
          expect(res.body).to.include({ username: 'alice.smith', email: 'alice@example.com', role: 'client' });
          expect(res.body.id).to.match(/^[0-9a-f-]{36}$/);
          const id = res.body.id;

          const one = await app().request('GET', `/users/${id}`, { subject });
          expect(one.status).to.equal(200);
          expect(one.body).to.deep.equal(res.body);
          // Other callers see the profile without the email address.
          const { email: _email, ...publicProfile } = res.body;
          expect((await app().request('GET', `/users/${id}`)).body).to.deep.equal(publicProfile);
          expect((await app().request('GET', `/users/${id}`, { as: randomUUID() })).body).to.deep.equal(publicProfile);

          const list = await app().request('GET', '/users?limit=10');
          expect(list.status).to.equal(200);
          expect(list.body.items).to.deep.equal([publicProfile]);

          const del = await app().request('DELETE', `/users/${id}`, { subject });
          expect(del.status).to.equal(204);
          expect(await db.em().count(User, { id })).to.equal(0);
          // Deleting the user revokes every token of its subject.
          const revoked = await app().request('DELETE', `/users/${id}`, { subject });
          expect(revoked.status).to.equal(401);
          expect(revoked.body.code).to.equal('AUTH.NOT_REGISTERED');
          expect((await app().request('GET', `/users/${id}`)).body.code).to.equal('USER.NOT_FOUND');
        });

        it('maps validation (400 + field), uniqueness (409), unknown id (404) and malformed JSON (400)', async () => {
          const bad = await app().request('POST', '/users', { subject: randomUUID(), body: { username: 'bob', email: 'not-an-email', role: 'client' } });
          expect(bad.status).to.equal(400);
          expect(bad.body).to.deep.equal({
            type: 'urn:contractdesk:problem:VALIDATION.INVALID_EMAIL',
            title: 'Invalid request',
            status: 400,
            detail: bad.body.detail,
            code: 'VALIDATION.INVALID_EMAIL',
            field: 'email',
          });
          expect(bad.headers.get('content-type')).to.match(/^application\/problem\+json/);

          const nul = await app().request('POST', '/users', { subject: randomUUID(), body: { username: 'bo\u0000b', email: 'b@example.com', role: 'client' } });
          expect(nul.status).to.equal(400);
          expect(nul.body.code).to.equal('VALIDATION.CONTROL_CHARACTER');

          const first = await registerUser(app(), 'client', 'dup');
          const dupName = await app().request('POST', '/users', { subject: randomUUID(), body: { username: first.username, email: 'other@example.com', role: 'client' } });
          expect(dupName.status).to.equal(409);
          expect(dupName.body.code).to.equal('USER.USERNAME_TAKEN');
          const dupEmail = await app().request('POST', '/users', { subject: randomUUID(), body: { username: 'someoneelse', email: first.email, role: 'client' } });
          expect(dupEmail.status).to.equal(409);
          expect(dupEmail.body.code).to.equal('USER.EMAIL_TAKEN');
          expect(JSON.stringify(dupEmail.body)).not.to.match(/insert|unique|constraint|sql/i);

          const missing = await app().request('GET', `/users/${randomUUID()}`);
          expect(missing.status).to.equal(404);
          expect(missing.body.code).to.equal('USER.NOT_FOUND');
          const notUuid = await app().request('GET', '/users/123');
          expect(notUuid.status).to.equal(400);
          expect(notUuid.body).to.include({ code: 'VALIDATION.INVALID_UUID', field: 'id' });

          const malformed = await app().request('POST', '/users', { subject: randomUUID(), raw: '{"username": "x",' });
          expect(malformed.status).to.equal(400);
          expect(malformed.body).to.deep.include({ status: 400, code: 'REQUEST.MALFORMED_JSON', detail: 'The request body is not valid JSON' });
          const notObject = await app().request('POST', '/users', { subject: randomUUID(), body: ['x'] });
          expect(notObject.status).to.equal(400);
          expect(notObject.body.code).to.equal('REQUEST.BODY_NOT_OBJECT');

          const badLimit = await app().request('GET', '/users?limit=abc');
          expect(badLimit.status).to.equal(400);
          expect(badLimit.body).to.include({ field: 'limit' });
          expect(await db.em().count(User, {})).to.equal(1);
        });

        it('DELETE: 401 without identity, 403 for someone else, 409 while party to a contract', async () => {
          const client = await registerUser(app(), 'client');
          const freelancer = await registerUser(app(), 'freelancer');
          const anon = await app().request('DELETE', `/users/${client.id}`);
          expect(anon.status).to.equal(401);
          expect(anon.body.code).to.equal('AUTH.REQUIRED');
          const garbled = await app().request('DELETE', `/users/${client.id}`, { authorization: `Bearer ${client.id}` });
          expect(garbled.status).to.equal(401);
          expect(garbled.body.code).to.equal('AUTH.INVALID_TOKEN');
          const other = await app().request('DELETE', `/users/${client.id}`, { as: freelancer.id });
          expect(other.status).to.equal(403);
          expect(other.body.code).to.equal('AUTH.FORBIDDEN');
          await createContract(app(), client, freelancer);
          const busy = await app().request('DELETE', `/users/${client.id}`, { as: client.id });
          expect(busy.status).to.equal(409);
          expect(busy.body.code).to.equal('USER.HAS_CONTRACTS');
          expect(await db.em().count(User, {})).to.equal(2);
        });
      });

      describe('contracts', () => {
        it('create (201, ETag, int64 amount as a decimal string), get, list by client and by freelancer with limit', async () => {
          const client = await registerUser(app(), 'client');
          const freelancer = await registerUser(app(), 'freelancer');
          const res = await app().request('POST', '/contracts', {
            as: client.id,
            body: { title: 'Website', clientId: client.id, freelancerId: freelancer.id, amount: '9223372036854775807' },
          });
          expect(res.status).to.equal(201);
          expect(res.headers.get('etag')).to.equal('"1"');
          expect(res.body).to.include({ title: 'Website', clientId: client.id, freelancerId: freelancer.id, amount: '9223372036854775807', status: 'draft', version: 1 });
          const stored = await db.em().findOneOrFail(Contract, res.body.id);
          expect(stored.amount).to.equal(9223372036854775807n);

          const got = await app().request('GET', `/contracts/${res.body.id}`, { as: freelancer.id });
          expect(got.status).to.equal(200);
          expect(got.body).to.deep.equal(res.body);

          await createContract(app(), client, freelancer, '5');
          const byClient = await app().request('GET', `/contracts?clientId=${client.id}&limit=1`, { as: client.id });
          expect(byClient.status).to.equal(200);
          expect(byClient.body.items).to.have.length(1);
          const byFreelancer = await app().request('GET', `/contracts?freelancerId=${freelancer.id}`, { as: freelancer.id });
          expect(byFreelancer.body.items).to.have.length(2);
          expect(byFreelancer.body.items.every((c: { freelancerId: string }) => c.freelancerId === freelancer.id)).to.equal(true);
        });

        it('create: 403 for a non-party, 422 for party-rule violations, 404 for an unknown party, 400 for bad amounts', async () => {
          const client = await registerUser(app(), 'client');
          const freelancer = await registerUser(app(), 'freelancer');
          const outsider = await registerUser(app(), 'both');
          const body = { title: 'T', clientId: client.id, freelancerId: freelancer.id, amount: '10' };
          const notParty = await app().request('POST', '/contracts', { as: outsider.id, body });
          expect(notParty.status).to.equal(403);
          expect(notParty.body.code).to.equal('AUTH.FORBIDDEN');
          const same = await app().request('POST', '/contracts', { as: outsider.id, body: { ...body, clientId: outsider.id, freelancerId: outsider.id } });
          expect(same.status).to.equal(422);
          expect(same.body.code).to.equal('CONTRACT.SAME_PARTY');
          const wrongRole = await app().request('POST', '/contracts', { as: client.id, body: { ...body, clientId: freelancer.id, freelancerId: client.id } });
          expect(wrongRole.status).to.equal(422);
          expect(wrongRole.body.code).to.equal('CONTRACT.CLIENT_ROLE');
          const ghost = await app().request('POST', '/contracts', { as: client.id, body: { ...body, freelancerId: randomUUID() } });
          expect(ghost.status).to.equal(404);
          expect(ghost.body.code).to.equal('USER.NOT_FOUND');
          const unsafe = await app().request('POST', '/contracts', { as: client.id, raw: JSON.stringify(body).replace('"10"', '9007199254740993') });
          expect(unsafe.status).to.equal(400);
          expect(unsafe.body).to.include({ code: 'VALIDATION.UNSAFE_NUMBER', field: 'amount' });
          const negative = await app().request('POST', '/contracts', { as: client.id, body: { ...body, amount: '-1' } });
          expect(negative.status).to.equal(400);
          expect(negative.body.code).to.equal('VALIDATION.NEGATIVE_AMOUNT');
          expect(await db.em().count(Contract, {})).to.equal(0);
        });

        it('reads: 403 for non-parties, 404 for an unknown contract, 400 for a list without exactly one filter', async () => {
          const client = await registerUser(app(), 'client');
          const freelancer = await registerUser(app(), 'freelancer');
          const outsider = await registerUser(app(), 'both');
          const c = await createContract(app(), client, freelancer);
          expect((await app().request('GET', `/contracts/${c.id}`, { as: outsider.id })).status).to.equal(403);
          expect((await app().request('GET', `/contracts?clientId=${client.id}`, { as: outsider.id })).status).to.equal(403);
          const missing = await app().request('GET', `/contracts/${randomUUID()}`, { as: client.id });
          expect(missing.status).to.equal(404);
          expect(missing.body.code).to.equal('CONTRACT.NOT_FOUND');
          const noFilter = await app().request('GET', '/contracts', { as: client.id });
          expect(noFilter.status).to.equal(400);
          const repeated = await app().request('GET', `/contracts?clientId=${client.id}&clientId=${client.id}`, { as: client.id });
          expect(repeated.status).to.equal(400);
          expect(repeated.body.field).to.equal('clientId');
        });

        it('transitions with If-Match or expectedVersion; stale 409, illegal 422, non-party 403, missing version 400', async () => {
          const client = await registerUser(app(), 'client');
          const freelancer = await registerUser(app(), 'freelancer');
          const outsider = await registerUser(app(), 'both');
          const c = await createContract(app(), client, freelancer);
          const path = `/contracts/${c.id}/transitions`;

          const ok = await app().request('POST', path, { as: freelancer.id, body: { to: 'active' }, headers: { 'If-Match': '"1"' } });
          expect(ok.status).to.equal(200);
          expect(ok.body).to.include({ status: 'active', version: 2 });
          expect(ok.headers.get('etag')).to.equal('"2"');

          const stale = await app().request('POST', path, { as: client.id, body: { to: 'completed', expectedVersion: 1 } });
          expect(stale.status).to.equal(409);
          expect(stale.body.code).to.equal('CONTRACT.VERSION_CONFLICT');

          const illegal = await app().request('POST', path, { as: client.id, body: { to: 'draft', expectedVersion: 2 } });
          expect(illegal.status).to.equal(422);
          expect(illegal.body.code).to.equal('CONTRACT.ILLEGAL_TRANSITION');

          const notParty = await app().request('POST', path, { as: outsider.id, body: { to: 'cancelled' }, headers: { 'If-Match': '2' } });
          expect(notParty.status).to.equal(403);
          expect(notParty.body.code).to.equal('AUTH.FORBIDDEN');

          const noVersion = await app().request('POST', path, { as: client.id, body: { to: 'completed' } });
          expect(noVersion.status).to.equal(400);
          expect(noVersion.body).to.include({ code: 'VALIDATION.VERSION_REQUIRED', field: 'expectedVersion' });
          const disagree = await app().request('POST', path, { as: client.id, body: { to: 'completed', expectedVersion: 1 }, headers: { 'If-Match': '"2"' } });
          expect(disagree.status).to.equal(400);
          expect(disagree.body.code).to.equal('VALIDATION.VERSION_MISMATCH');
          const badStatus = await app().request('POST', path, { as: client.id, body: { to: 'paid', expectedVersion: 2 } });
          expect(badStatus.status).to.equal(400);
          expect(badStatus.body.field).to.equal('to');

          const done = await app().request('POST', path, { as: client.id, body: { to: 'completed', expectedVersion: 2 } });
          expect(done.status).to.equal(200);
          const stored = await db.em().findOneOrFail(Contract, c.id);
          expect(stored.status).to.equal('completed');
          expect(stored.version).to.equal(3);
        });

        it('amount revision and rename: 200 while draft, 422 once active, 409 when stale', async () => {
          const client = await registerUser(app(), 'client');
          const freelancer = await registerUser(app(), 'freelancer');
          const c = await createContract(app(), client, freelancer);
          const revised = await app().request('PUT', `/contracts/${c.id}/amount`, { as: client.id, body: { amount: '9007199254740993' }, headers: { 'If-Match': '"1"' } });
          expect(revised.status).to.equal(200);
          expect(revised.body).to.include({ amount: '9007199254740993', version: 2 });
          const renamed = await app().request('PUT', `/contracts/${c.id}/title`, { as: freelancer.id, body: { title: 'Logo v2', expectedVersion: 2 } });
          expect(renamed.status).to.equal(200);
          expect(renamed.body).to.include({ title: 'Logo v2', version: 3 });
          const staleRename = await app().request('PUT', `/contracts/${c.id}/title`, { as: freelancer.id, body: { title: 'Lost', expectedVersion: 2 } });
          expect(staleRename.status).to.equal(409);
          await app().request('POST', `/contracts/${c.id}/transitions`, { as: client.id, body: { to: 'active', expectedVersion: 3 } });
          const locked = await app().request('PUT', `/contracts/${c.id}/amount`, { as: client.id, body: { amount: '1', expectedVersion: 4 } });
          expect(locked.status).to.equal(422);
          expect(locked.body.code).to.equal('CONTRACT.AMOUNT_LOCKED');
          const stored = await db.em().findOneOrFail(Contract, c.id);
          expect(stored).to.deep.include({ title: 'Logo v2', amount: 9007199254740993n, version: 4 });
        });

        it('amount revisions of several contracts: all or nothing (200, or 409 with nothing written), parties only (403)', async () => {
          const client = await registerUser(app(), 'client');
          const freelancer = await registerUser(app(), 'freelancer');
          const outsider = await registerUser(app(), 'both');
          const a = await createContract(app(), client, freelancer);
          const b = await createContract(app(), client, freelancer);
          const ok = await app().request('POST', '/contracts/amount-revisions', {
            as: client.id,
            body: { changes: [{ id: a.id, expectedVersion: 1, amount: '11' }, { id: b.id, expectedVersion: 1, amount: '22' }] },
          });
          expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
          expect(ok.body.items.map((c: { amount: string; version: number }) => [c.amount, c.version])).to.deep.equal([['11', 2], ['22', 2]]);

          const stale = await app().request('POST', '/contracts/amount-revisions', {
            as: freelancer.id,
            body: { changes: [{ id: a.id, expectedVersion: 2, amount: '33' }, { id: b.id, expectedVersion: 1, amount: '44' }] },
          });
          expect(stale.status).to.equal(409);
          expect(stale.body.code).to.equal('CONTRACT.VERSION_CONFLICT');
          const notParty = await app().request('POST', '/contracts/amount-revisions', {
            as: outsider.id,
            body: { changes: [{ id: a.id, expectedVersion: 2, amount: '55' }] },
          });
          expect(notParty.status).to.equal(403);
          const invalid = await app().request('POST', '/contracts/amount-revisions', { as: client.id, body: { changes: [] } });
          expect(invalid.status).to.equal(400);
          const stored = await db.em().find(Contract, { id: [a.id, b.id] }, { orderBy: { amount: 'asc' } });
          expect(stored.map((c) => [c.amount, c.version])).to.deep.equal([[11n, 2], [22n, 2]]);
        });

        it('two concurrent transitions of one contract over HTTP: exactly one 200 and one 409, stored version 2', async () => {
          const client = await registerUser(app(), 'client');
          const freelancer = await registerUser(app(), 'freelancer');
          const c = await createContract(app(), client, freelancer);
          const path = `/contracts/${c.id}/transitions`;
          const [a, b] = await Promise.all([
            app().request('POST', path, { as: client.id, body: { to: 'cancelled' }, headers: { 'If-Match': '"1"' } }),
            app().request('POST', path, { as: freelancer.id, body: { to: 'active' }, headers: { 'If-Match': '"1"' } }),
          ]);
          const statuses = [a.status, b.status].sort();
          expect(statuses).to.deep.equal([200, 409]);
          const winner = a.status === 200 ? a : b;
          const loser = a.status === 200 ? b : a;
          expect(loser.body.code).to.equal('CONTRACT.VERSION_CONFLICT');
          const stored = await db.em().findOneOrFail(Contract, c.id);
          expect(stored.version).to.equal(2);
          expect(stored.status).to.equal(winner.body.status);
        });
      });
    });
  },
  { sqliteFile: true },
);
