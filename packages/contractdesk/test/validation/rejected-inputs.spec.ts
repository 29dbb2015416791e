import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import {
  ConflictError,
  NotFoundError,
  RuleViolationError,
  ValidationError,
} from '../../src/errors/domain-error';
import { AccessService } from '../../src/services/access.service';
import { ContractService } from '../../src/services/contract.service';
import { PushSubscriptionService } from '../../src/services/push-subscription.service';
import { UserService } from '../../src/services/user.service';
import { describeEachDialect } from '../helpers/orm';
import { pushKeys } from '../helpers/factories';
import { type ExpectedFailure, expectFailure, snapshot } from './support';

/**
 * Every case goes through a real service against a seeded database and must fail with exactly the
 * expected typed error (code and field), a message without SQL or driver text, and not a byte changed
 * in any table. The seed is written once per dialect; nothing here may alter it.
 */

interface Seed {
  client: string;
  clientName: string;
  clientEmail: string;
  freelancer: string;
  both: string;
  draft: string;
  active: string;
  roleId: string;
  roleName: string;
  endpoint: string;
}

interface Ctx {
  users: UserService;
  contracts: ContractService;
  access: AccessService;
  push: PushSubscriptionService;
  seed: Seed;
}

type Case = [name: string, run: (c: Ctx) => Promise<unknown>, expected: ExpectedFailure];

const v = (code: string, field: string): ExpectedFailure => ({ type: ValidationError, code: `VALIDATION.${code}`, field });
const push = (code: string, field = 'endpoint'): ExpectedFailure => ({ type: ValidationError, code: `PUSH.${code}`, field });
const notFound = (code: string): ExpectedFailure => ({ type: NotFoundError, code });
const conflict = (code: string): ExpectedFailure => ({ type: ConflictError, code });
const rule = (code: string): ExpectedFailure => ({ type: RuleViolationError, code });

const GOOD_KEYS = pushKeys('seed');
const TOKEN = 'dGVzdC10b2tlbi0xMjM0NTY3ODkw';
const FCM = `https://fcm.googleapis.com/fcm/send/${TOKEN}`;

const createContract = (c: Ctx, patch: Record<string, unknown>) =>
  c.contracts.create({ title: 'Valid title', clientId: c.seed.client, freelancerId: c.seed.freelancer, amount: 100n, ...patch } as never);
const register = (c: Ctx, patch: Record<string, unknown>) =>
  c.users.register({ username: 'fresh.user', email: 'fresh@example.com', role: 'client', ...patch } as never);
const subscribe = (c: Ctx, endpoint: unknown, keys: unknown = GOOD_KEYS) => c.push.subscribe(c.seed.both, { endpoint, keys });
const subscribeWithout = (c: Ctx, endpoint: unknown) => c.push.subscribe(c.seed.both, { endpoint } as never);
const revise = (c: Ctx, amount: unknown) => c.contracts.reviseAmount(c.seed.draft, { expectedVersion: 1, amount });

function point(length: number, first = 0x04, fill = 0x11): string {
  const bytes = Buffer.alloc(length, fill);
  bytes[0] = first;
  return bytes.toString('base64url');
}
const keys = (patch: Partial<{ p256dh: unknown; auth: unknown }>) => ({ ...GOOD_KEYS, ...patch });

const ID_CASES: Case[] = [
  ['user id: not a uuid', (c) => c.users.get('not-a-uuid'), v('INVALID_UUID', 'id')],
  ['user id: empty', (c) => c.users.get(''), v('INVALID_UUID', 'id')],
  ['user id: a number', (c) => c.users.get(123), v('INVALID_UUID', 'id')],
  ['user id: null', (c) => c.users.get(null), v('INVALID_UUID', 'id')],
  ['user id: SQL injection', (c) => c.users.get("' or 1=1 --"), v('INVALID_UUID', 'id')],
  ['user id: braces', (c) => c.users.get(`{${randomUUID()}}`), v('INVALID_UUID', 'id')],
  ['user id: trailing NUL', (c) => c.users.get(`${c.seed.client}\u0000`), v('INVALID_UUID', 'id')],
  ['user id: no dashes', (c) => c.users.get(randomUUID().replace(/-/g, '')), v('INVALID_UUID', 'id')],
  ['contract id: trailing space', (c) => c.contracts.get(`${c.seed.draft} `), v('INVALID_UUID', 'id')],
  ['contract clientId: not a uuid', (c) => createContract(c, { clientId: 'client-1' }), v('INVALID_UUID', 'clientId')],
  ['contract freelancerId: object', (c) => createContract(c, { freelancerId: { id: c.seed.freelancer } }), v('INVALID_UUID', 'freelancerId')],
  ['role id: not a uuid', (c) => c.access.getRole('admin'), v('INVALID_UUID', 'roleId')],
  ['assignRole userId: not a uuid', (c) => c.access.assignRole('x', c.seed.roleId), v('INVALID_UUID', 'userId')],
  ['subscribe userId: array', (c) => c.push.subscribe([c.seed.both], { endpoint: FCM, keys: GOOD_KEYS }), v('INVALID_UUID', 'userId')],
  // MikroORM reads an object in a filter as operators: `{ $ne: null }` as an id would match any row.
  ['operator injection: id { $ne: null }', (c) => c.users.get({ $ne: null }), v('INVALID_UUID', 'id')],
  ['operator injection: clientId { $in: [...] }', (c) => c.contracts.listForClient({ $in: [c.seed.client] }), v('INVALID_UUID', 'clientId')],
  ['operator injection: revoke { $like: "%" }', (c) => c.access.revoke(c.seed.roleId, { $like: '%' }), v('TYPE', 'permission')],
  ['operator injection: unsubscribe { $ne: "" }', (c) => c.push.unsubscribe(c.seed.client, { $ne: '' }), v('TYPE', 'endpoint')],
  ['unknown user id', (c) => c.users.get(randomUUID()), notFound('USER.NOT_FOUND')],
  ['unknown contract id', (c) => c.contracts.get(randomUUID()), notFound('CONTRACT.NOT_FOUND')],
  ['unknown role id', (c) => c.access.getRole(randomUUID()), notFound('ROLE.NOT_FOUND')],
  ['contract with unknown client', (c) => createContract(c, { clientId: randomUUID() }), notFound('USER.NOT_FOUND')],
  ['grant on unknown role (FK path)', (c) => c.access.grant(randomUUID(), 'contracts.read'), notFound('ROLE.NOT_FOUND')],
  ['assign unknown role', (c) => c.access.assignRole(c.seed.client, randomUUID()), notFound('ROLE.NOT_FOUND')],
  ['subscribe unknown user', (c) => c.push.subscribe(randomUUID(), { endpoint: FCM, keys: GOOD_KEYS }), notFound('USER.NOT_FOUND')],
  ['transition unknown contract', (c) => c.contracts.transition(randomUUID(), { expectedVersion: 1, to: 'active' }), notFound('CONTRACT.NOT_FOUND')],
  ['delete unknown role', (c) => c.access.deleteRole(randomUUID()), notFound('ROLE.NOT_FOUND')],
  ['unsubscribe unknown endpoint', (c) => c.push.unsubscribe(c.seed.both, `${FCM}-gone`), notFound('PUSH.NOT_FOUND')],
];

const AMOUNT_CASES: Case[] = [
  ['amount: -1 (number)', (c) => createContract(c, { amount: -1 }), v('NEGATIVE_AMOUNT', 'amount')],
  ['amount: -1n', (c) => createContract(c, { amount: -1n }), v('NEGATIVE_AMOUNT', 'amount')],
  ['amount: "-5"', (c) => createContract(c, { amount: '-5' }), v('NEGATIVE_AMOUNT', 'amount')],
  ['amount: 1.5', (c) => createContract(c, { amount: 1.5 }), v('INVALID_AMOUNT', 'amount')],
  ['amount: NaN', (c) => createContract(c, { amount: NaN }), v('INVALID_AMOUNT', 'amount')],
  ['amount: Infinity', (c) => createContract(c, { amount: Infinity }), v('INVALID_AMOUNT', 'amount')],
  ['amount: -Infinity', (c) => createContract(c, { amount: -Infinity }), v('INVALID_AMOUNT', 'amount')],
  ['amount: 2^53 as number', (c) => createContract(c, { amount: 2 ** 53 }), v('UNSAFE_NUMBER', 'amount')],
  // eslint-disable-next-line no-loss-of-precision -- the input under test is a literal that JavaScript rounds
  ['amount: 2^53+1 as number (already 2^53)', (c) => createContract(c, { amount: 9007199254740993 }), v('UNSAFE_NUMBER', 'amount')],
  ['amount: 2^64 as number', (c) => createContract(c, { amount: 2 ** 64 }), v('UNSAFE_NUMBER', 'amount')],
  ['amount: "abc"', (c) => createContract(c, { amount: 'abc' }), v('INVALID_AMOUNT', 'amount')],
  ['amount: ""', (c) => createContract(c, { amount: '' }), v('INVALID_AMOUNT', 'amount')],
  ['amount: "9223372036854775808" (2^63)', (c) => createContract(c, { amount: '9223372036854775808' }), v('AMOUNT_TOO_LARGE', 'amount')],
  ['amount: 2^63 as bigint', (c) => createContract(c, { amount: 2n ** 63n }), v('AMOUNT_TOO_LARGE', 'amount')],
  ['amount: 20 digits', (c) => createContract(c, { amount: '99999999999999999999' }), v('AMOUNT_TOO_LARGE', 'amount')],
  ['amount: leading "+"', (c) => createContract(c, { amount: '+5' }), v('INVALID_AMOUNT', 'amount')],
  ['amount: leading space', (c) => createContract(c, { amount: ' 5' }), v('INVALID_AMOUNT', 'amount')],
  ['amount: trailing newline', (c) => createContract(c, { amount: '5\n' }), v('INVALID_AMOUNT', 'amount')],
  ['amount: hex "0x10"', (c) => createContract(c, { amount: '0x10' }), v('INVALID_AMOUNT', 'amount')],
  ['amount: exponent "1e5"', (c) => createContract(c, { amount: '1e5' }), v('INVALID_AMOUNT', 'amount')],
  ['amount: "1.0"', (c) => createContract(c, { amount: '1.0' }), v('INVALID_AMOUNT', 'amount')],
  ['amount: leading zero "007"', (c) => createContract(c, { amount: '007' }), v('INVALID_AMOUNT', 'amount')],
  ['amount: "1_000"', (c) => createContract(c, { amount: '1_000' }), v('INVALID_AMOUNT', 'amount')],
  ['amount: full-width digit', (c) => createContract(c, { amount: '\uff15' }), v('INVALID_AMOUNT', 'amount')],
  ['amount: SQL "0; drop table contractdesk_contracts"', (c) => createContract(c, { amount: '0; drop table contractdesk_contracts' }), v('INVALID_AMOUNT', 'amount')],
  ['amount: null', (c) => createContract(c, { amount: null }), v('INVALID_AMOUNT', 'amount')],
  ['amount: undefined', (c) => createContract(c, { amount: undefined }), v('INVALID_AMOUNT', 'amount')],
  ['amount: true', (c) => createContract(c, { amount: true }), v('INVALID_AMOUNT', 'amount')],
  ['amount: object with valueOf', (c) => createContract(c, { amount: { valueOf: () => 5 } }), v('INVALID_AMOUNT', 'amount')],
  ['reviseAmount: "-1" (inside the transaction)', (c) => revise(c, '-1'), v('NEGATIVE_AMOUNT', 'amount')],
  ['reviseAmount: 0.1', (c) => revise(c, 0.1), v('INVALID_AMOUNT', 'amount')],
  // eslint-disable-next-line no-sparse-arrays -- a hole is the bad input under test
  ['reviseAmounts: sparse list', (c) => c.contracts.reviseAmounts([, { id: c.seed.draft, expectedVersion: 1, amount: 5n }]), v('INVALID_UUID', 'changes[0].id')],
  ['reviseAmounts: one negative amount', (c) => c.contracts.reviseAmounts([{ id: c.seed.draft, expectedVersion: 1, amount: -5n }]), v('NEGATIVE_AMOUNT', 'changes[0].amount')],
  ['reviseAmount on an active contract', (c) => c.contracts.reviseAmount(c.seed.active, { expectedVersion: 2, amount: 5n }), rule('CONTRACT.AMOUNT_LOCKED')],
];

const USER_CASES: Case[] = [
  ['username: 2 characters', (c) => register(c, { username: 'ab' }), v('TOO_SHORT', 'username')],
  ['username: 33 characters', (c) => register(c, { username: 'a'.repeat(33) }), v('TOO_LONG', 'username')],
  ['username: empty', (c) => register(c, { username: '' }), v('REQUIRED', 'username')],
  ['username: only spaces', (c) => register(c, { username: '    ' }), v('REQUIRED', 'username')],
  ['username: inner space', (c) => register(c, { username: 'bad name' }), v('INVALID_USERNAME', 'username')],
  ['username: leading "-"', (c) => register(c, { username: '-abc' }), v('INVALID_USERNAME', 'username')],
  ['username: trailing "."', (c) => register(c, { username: 'abc.' }), v('INVALID_USERNAME', 'username')],
  ['username: quote', (c) => register(c, { username: "o'neil" }), v('INVALID_USERNAME', 'username')],
  ['username: SQL injection', (c) => register(c, { username: "x'; drop table users; --" }), v('INVALID_USERNAME', 'username')],
  ['username: NUL', (c) => register(c, { username: 'ab\u0000cd' }), v('CONTROL_CHARACTER', 'username')],
  ['username: inner newline', (c) => register(c, { username: 'ab\ncd' }), v('CONTROL_CHARACTER', 'username')],
  ['username: right-to-left override', (c) => register(c, { username: 'ab\u202ecd' }), v('INVALID_USERNAME', 'username')],
  ['username: full-width letters', (c) => register(c, { username: '\uff44\uff41\uff56\uff45' }), v('INVALID_USERNAME', 'username')],
  ['username: lone surrogate', (c) => register(c, { username: 'ab\ud800cd' }), v('ENCODING', 'username')],
  ['username: number', (c) => register(c, { username: 12345 }), v('TYPE', 'username')],
  ['username: taken (other case)', (c) => register(c, { username: c.seed.clientName.toUpperCase() }), conflict('USER.USERNAME_TAKEN')],
  ['email: no @', (c) => register(c, { email: 'no-at-sign' }), v('INVALID_EMAIL', 'email')],
  ['email: no dot in domain', (c) => register(c, { email: 'a@b' }), v('INVALID_EMAIL', 'email')],
  ['email: space in local part', (c) => register(c, { email: 'a b@example.com' }), v('INVALID_EMAIL', 'email')],
  ['email: two @', (c) => register(c, { email: 'a@@example.com' }), v('INVALID_EMAIL', 'email')],
  ['email: consecutive dots', (c) => register(c, { email: 'a..b@example.com' }), v('INVALID_EMAIL', 'email')],
  ['email: leading dot', (c) => register(c, { email: '.ab@example.com' }), v('INVALID_EMAIL', 'email')],
  ['email: local part of 65', (c) => register(c, { email: `${'a'.repeat(65)}@example.com` }), v('INVALID_EMAIL', 'email')],
  ['email: 255 characters', (c) => register(c, { email: `a@${'b'.repeat(249)}.com` }), v('TOO_LONG', 'email')],
  // 'İ' lower-cases to two code points: 254 characters as sent, 284 as stored.
  ['email: longer than 254 once lower-cased', (c) => register(c, { email: `${'İ'.repeat(30)}@${'a'.repeat(219)}.com` }), v('TOO_LONG', 'email')],
  ['email: NUL', (c) => register(c, { email: 'a\u0000b@example.com' }), v('CONTROL_CHARACTER', 'email')],
  ['email: SQL tail', (c) => register(c, { email: "x@example.com'; --" }), v('INVALID_EMAIL', 'email')],
  ['email: taken (other case)', (c) => register(c, { email: c.seed.clientEmail.toUpperCase() }), conflict('USER.EMAIL_TAKEN')],
  ['party role: "admin"', (c) => register(c, { role: 'admin' }), v('INVALID_VALUE', 'role')],
  ['party role: "Client"', (c) => register(c, { role: 'Client' }), v('INVALID_VALUE', 'role')],
  ['party role: empty', (c) => register(c, { role: '' }), v('INVALID_VALUE', 'role')],
  ['party role: array', (c) => register(c, { role: ['client'] }), v('INVALID_VALUE', 'role')],
  ['register: null body', (c) => c.users.register(null as never), v('TYPE', 'input')],
  ['delete a user party to contracts', (c) => c.users.delete(c.seed.client), conflict('USER.HAS_CONTRACTS')],
];

const CONTRACT_CASES: Case[] = [
  ['title: empty', (c) => createContract(c, { title: '' }), v('REQUIRED', 'title')],
  ['title: only whitespace', (c) => createContract(c, { title: ' \t ' }), v('REQUIRED', 'title')],
  ['title: 201 characters', (c) => createContract(c, { title: 'x'.repeat(201) }), v('TOO_LONG', 'title')],
  ['title: 201 emoji (code points counted)', (c) => createContract(c, { title: '\u{1f4dd}'.repeat(201) }), v('TOO_LONG', 'title')],
  ['title: NUL', (c) => createContract(c, { title: 'a\u0000b' }), v('CONTROL_CHARACTER', 'title')],
  ['title: BEL', (c) => createContract(c, { title: 'a\u0007b' }), v('CONTROL_CHARACTER', 'title')],
  ['title: C1 control', (c) => createContract(c, { title: 'a\u009bb' }), v('CONTROL_CHARACTER', 'title')],
  ['title: DEL', (c) => createContract(c, { title: 'a\u007fb' }), v('CONTROL_CHARACTER', 'title')],
  ['title: inner newline (single-line field)', (c) => createContract(c, { title: 'a\nb' }), v('CONTROL_CHARACTER', 'title')],
  ['title: number', (c) => createContract(c, { title: 42 }), v('TYPE', 'title')],
  ['rename: NUL (inside the transaction)', (c) => c.contracts.rename(c.seed.draft, { expectedVersion: 1, title: 'x\u0000' }), v('CONTROL_CHARACTER', 'title')],
  ['create: null body', (c) => c.contracts.create(null as never), v('TYPE', 'input')],
  ['transition: change is a string', (c) => c.contracts.transition(c.seed.draft, 'active' as never), v('TYPE', 'change')],
  ['same user on both sides', (c) => createContract(c, { clientId: c.seed.both, freelancerId: c.seed.both }), rule('CONTRACT.SAME_PARTY')],
  ['client who may not act as client', (c) => createContract(c, { clientId: c.seed.freelancer, freelancerId: c.seed.both }), rule('CONTRACT.CLIENT_ROLE')],
  ['status: "DRAFT"', (c) => c.contracts.transition(c.seed.draft, { expectedVersion: 1, to: 'ACTIVE' }), v('INVALID_VALUE', 'status')],
  ['status: "archived"', (c) => c.contracts.transition(c.seed.draft, { expectedVersion: 1, to: 'archived' }), v('INVALID_VALUE', 'status')],
  ['status: null', (c) => c.contracts.transition(c.seed.draft, { expectedVersion: 1, to: null }), v('INVALID_VALUE', 'status')],
  ['status: SQL', (c) => c.contracts.transition(c.seed.draft, { expectedVersion: 1, to: "active' --" }), v('INVALID_VALUE', 'status')],
  ['status: illegal transition draft → completed', (c) => c.contracts.transition(c.seed.draft, { expectedVersion: 1, to: 'completed' }), rule('CONTRACT.ILLEGAL_TRANSITION')],
  ['expectedVersion: 0', (c) => c.contracts.rename(c.seed.draft, { expectedVersion: 0, title: 'T' }), v('OUT_OF_RANGE', 'expectedVersion')],
  ['expectedVersion: -1', (c) => c.contracts.rename(c.seed.draft, { expectedVersion: -1, title: 'T' }), v('OUT_OF_RANGE', 'expectedVersion')],
  ['expectedVersion: "1"', (c) => c.contracts.rename(c.seed.draft, { expectedVersion: '1', title: 'T' }), v('NOT_AN_INTEGER', 'expectedVersion')],
  ['expectedVersion: 1.5', (c) => c.contracts.rename(c.seed.draft, { expectedVersion: 1.5, title: 'T' }), v('NOT_AN_INTEGER', 'expectedVersion')],
  ['expectedVersion: missing', (c) => c.contracts.rename(c.seed.draft, { title: 'T' } as never), v('NOT_AN_INTEGER', 'expectedVersion')],
  ['expectedVersion: 2^31', (c) => c.contracts.rename(c.seed.draft, { expectedVersion: 2 ** 31, title: 'T' }), v('OUT_OF_RANGE', 'expectedVersion')],
  ['expectedVersion: stale', (c) => c.contracts.rename(c.seed.draft, { expectedVersion: 7, title: 'T' }), conflict('CONTRACT.VERSION_CONFLICT')],
  ['list limit: 0', (c) => c.contracts.listForClient(c.seed.client, { limit: 0 }), v('OUT_OF_RANGE', 'limit')],
  ['list limit: 101', (c) => c.contracts.listForClient(c.seed.client, { limit: 101 }), v('OUT_OF_RANGE', 'limit')],
  ['list limit: -1', (c) => c.contracts.listForFreelancer(c.seed.freelancer, { limit: -1 }), v('OUT_OF_RANGE', 'limit')],
  ['list limit: "10"', (c) => c.users.list({ limit: '10' }), v('NOT_AN_INTEGER', 'limit')],
  ['list limit: 1.5', (c) => c.users.list({ limit: 1.5 }), v('NOT_AN_INTEGER', 'limit')],
  ['list limit: null', (c) => c.users.list({ limit: null }), v('NOT_AN_INTEGER', 'limit')],
  ['list limit: NaN', (c) => c.users.list({ limit: NaN }), v('NOT_AN_INTEGER', 'limit')],
  ['list limit: "1; drop table contractdesk_users"', (c) => c.users.list({ limit: '1; drop table contractdesk_users' }), v('NOT_AN_INTEGER', 'limit')],
  ['list offset: -1', (c) => c.users.list({ offset: -1 }), v('OUT_OF_RANGE', 'offset')],
];

const ROLE_CASES: Case[] = [
  ['role name: empty', (c) => c.access.createRole({ name: '' }), v('REQUIRED', 'name')],
  ['role name: 65 characters', (c) => c.access.createRole({ name: 'r'.repeat(65) }), v('TOO_LONG', 'name')],
  ['role name: NUL', (c) => c.access.createRole({ name: 'ops\u0000' }), v('CONTROL_CHARACTER', 'name')],
  ['role name: object', (c) => c.access.createRole({ name: { toString: () => 'ops' } }), v('TYPE', 'name')],
  ['role name: taken', (c) => c.access.createRole({ name: c.seed.roleName }), conflict('ROLE.NAME_TAKEN')],
  ['role name: taken after trimming', (c) => c.access.createRole({ name: `  ${c.seed.roleName}\t` }), conflict('ROLE.NAME_TAKEN')],
  ['role description: 501 characters', (c) => c.access.createRole({ name: 'r1', description: 'd'.repeat(501) }), v('TOO_LONG', 'description')],
  ['role description: NUL', (c) => c.access.createRole({ name: 'r1', description: 'a\u0000b' }), v('CONTROL_CHARACTER', 'description')],
  ['role description: vertical tab', (c) => c.access.createRole({ name: 'r1', description: 'a\u000bb' }), v('CONTROL_CHARACTER', 'description')],
  ['role description: null', (c) => c.access.createRole({ name: 'r1', description: null }), v('TYPE', 'description')],
  ['role priority: 1.5', (c) => c.access.createRole({ name: 'r1', priority: 1.5 }), v('NOT_AN_INTEGER', 'priority')],
  ['role priority: "5"', (c) => c.access.createRole({ name: 'r1', priority: '5' }), v('NOT_AN_INTEGER', 'priority')],
  ['role priority: 1_000_001', (c) => c.access.createRole({ name: 'r1', priority: 1_000_001 }), v('OUT_OF_RANGE', 'priority')],
  ['role priority: NaN', (c) => c.access.createRole({ name: 'r1', priority: NaN }), v('NOT_AN_INTEGER', 'priority')],
  ['role priority: Infinity', (c) => c.access.createRole({ name: 'r1', priority: Infinity }), v('NOT_AN_INTEGER', 'priority')],
  ['updateRole description: NUL (inside the transaction)', (c) => c.access.updateRole(c.seed.roleId, { description: 'x\u0000' }), v('CONTROL_CHARACTER', 'description')],
  ['updateRole: null changes', (c) => c.access.updateRole(c.seed.roleId, null as never), v('TYPE', 'changes')],
  ['createRole: null body', (c) => c.access.createRole(null as never), v('TYPE', 'input')],
  ['permission: upper case', (c) => c.access.grant(c.seed.roleId, 'Contracts.read'), v('INVALID_PERMISSION', 'permission')],
  ['permission: empty segment', (c) => c.access.grant(c.seed.roleId, 'contracts..read'), v('INVALID_PERMISSION', 'permission')],
  ['permission: inner wildcard', (c) => c.access.grant(c.seed.roleId, 'contracts.*.read'), v('INVALID_PERMISSION', 'permission')],
  ['permission: "**"', (c) => c.access.grant(c.seed.roleId, '**'), v('INVALID_PERMISSION', 'permission')],
  ['permission: SQL', (c) => c.access.grant(c.seed.roleId, "contracts.read'); drop table contractdesk_roles; --"), v('INVALID_PERMISSION', 'permission')],
  ['permission: empty', (c) => c.access.grant(c.seed.roleId, ''), v('REQUIRED', 'permission')],
  ['permission: 129 characters', (c) => c.access.grant(c.seed.roleId, `a${'b'.repeat(128)}`), v('TOO_LONG', 'permission')],
  ['permission: NUL', (c) => c.access.revoke(c.seed.roleId, 'a.b\u0000'), v('CONTROL_CHARACTER', 'permission')],
  ['setPermissions: not an array', (c) => c.access.setPermissions(c.seed.roleId, 'contracts.read'), v('TYPE', 'permissions')],
  ['setPermissions: one bad entry', (c) => c.access.setPermissions(c.seed.roleId, ['contracts.read', 'BAD']), v('INVALID_PERMISSION', 'permissions[1]')],
  // eslint-disable-next-line no-sparse-arrays -- a hole is the bad input under test
  ['setPermissions: sparse array', (c) => c.access.setPermissions(c.seed.roleId, [, 'contracts.read']), v('TYPE', 'permissions[0]')],
  ['setPermissions: 501 entries', (c) => c.access.setPermissions(c.seed.roleId, Array.from({ length: 501 }, (_, i) => `p${i}`)), v('TOO_LONG', 'permissions')],
  ['can: wildcard question', (c) => c.access.can(c.seed.client, 'contracts.*'), v('INVALID_PERMISSION', 'permission')],
];

/** [label, endpoint, code]: every notation the SSRF finding names, via subscribe. */
const ENDPOINTS: Array<[string, unknown, string]> = [
  ['http scheme', `http://fcm.googleapis.com/fcm/send/${TOKEN}`, 'ENDPOINT_NOT_HTTPS'],
  ['ftp scheme', `ftp://fcm.googleapis.com/fcm/send/${TOKEN}`, 'ENDPOINT_NOT_HTTPS'],
  ['javascript: URL', 'javascript:alert(1)', 'ENDPOINT_NOT_HTTPS'],
  ['port 8443', `https://fcm.googleapis.com:8443/fcm/send/${TOKEN}`, 'ENDPOINT_PORT'],
  ['port 80 on https', `https://fcm.googleapis.com:80/fcm/send/${TOKEN}`, 'ENDPOINT_PORT'],
  ['userinfo user:pass@', `https://user:pass@fcm.googleapis.com/fcm/send/${TOKEN}`, 'ENDPOINT_USERINFO'],
  ['userinfo host@evil', `https://fcm.googleapis.com@evil.com/fcm/send/${TOKEN}`, 'ENDPOINT_USERINFO'],
  ['empty userinfo "@"', `https://@fcm.googleapis.com/fcm/send/${TOKEN}`, 'ENDPOINT_USERINFO'],
  ['IPv4 dotted', 'https://127.0.0.1/fcm/send/x', 'ENDPOINT_IP_LITERAL'],
  ['IPv4 decimal 2130706433', 'https://2130706433/fcm/send/x', 'ENDPOINT_IP_LITERAL'],
  ['IPv4 hex 0x7f000001', 'https://0x7f000001/fcm/send/x', 'ENDPOINT_IP_LITERAL'],
  ['IPv4 octal 0177.0.0.1', 'https://0177.0.0.1/fcm/send/x', 'ENDPOINT_IP_LITERAL'],
  ['IPv4 short 127.1', 'https://127.1/fcm/send/x', 'ENDPOINT_IP_LITERAL'],
  ['IPv4 trailing dot', 'https://127.0.0.1./fcm/send/x', 'ENDPOINT_IP_LITERAL'],
  ['cloud metadata 169.254.169.254', 'https://169.254.169.254/latest/meta-data', 'ENDPOINT_IP_LITERAL'],
  ['IPv6 [::1]', 'https://[::1]/fcm/send/x', 'ENDPOINT_IP_LITERAL'],
  ['IPv6 [::ffff:127.0.0.1]', 'https://[::ffff:127.0.0.1]/fcm/send/x', 'ENDPOINT_IP_LITERAL'],
  ['IPv6 [fd00::1]', 'https://[fd00::1]/x', 'ENDPOINT_IP_LITERAL'],
  ['localhost', 'https://localhost/fcm/send/x', 'ENDPOINT_HOST_NOT_ALLOWED'],
  ['*.localhost', 'https://fcm.googleapis.com.localhost/fcm/send/x', 'ENDPOINT_HOST_NOT_ALLOWED'],
  ['*.local', 'https://push.local/fcm/send/x', 'ENDPOINT_HOST_NOT_ALLOWED'],
  ['*.internal', 'https://metadata.google.internal/computeMetadata/v1/', 'ENDPOINT_HOST_NOT_ALLOWED'],
  ['suffix trick fcm.googleapis.com.evil.com', `https://fcm.googleapis.com.evil.com/fcm/send/${TOKEN}`, 'ENDPOINT_HOST_NOT_ALLOWED'],
  ['prefix trick evilfcm.googleapis.com', `https://evilfcm.googleapis.com/fcm/send/${TOKEN}`, 'ENDPOINT_HOST_NOT_ALLOWED'],
  ['ideographic full stop fcm.googleapis.com。evil.com', `https://fcm.googleapis.com\u3002evil.com/x`, 'ENDPOINT_HOST_NOT_ALLOWED'],
  ['Cyrillic look-alike host', `https://f\u0441m.googleapis.com/fcm/send/${TOKEN}`, 'ENDPOINT_HOST_NOT_ALLOWED'],
  ['trailing dot', `https://fcm.googleapis.com./fcm/send/${TOKEN}`, 'ENDPOINT_HOST_NOT_ALLOWED'],
  ['bare notify.windows.com (wildcard needs a subdomain)', 'https://notify.windows.com/w/?token=x', 'ENDPOINT_HOST_NOT_ALLOWED'],
  ['host not on the allowlist', `https://push.example.com/${TOKEN}`, 'ENDPOINT_HOST_NOT_ALLOWED'],
  ['too long (1001 characters)', `https://fcm.googleapis.com/fcm/send/${'a'.repeat(1001 - 36)}`, 'ENDPOINT_TOO_LONG'],
  ['too long once percent-encoded', `https://fcm.googleapis.com/fcm/send/${'\u00e9'.repeat(400)}`, 'ENDPOINT_TOO_LONG'],
  ['NUL in the path', `https://fcm.googleapis.com/fcm/send/ab\u0000cd`, 'ENDPOINT_MALFORMED'],
  ['tab in the host', 'https://fcm.goo\tgleapis.com/fcm/send/x', 'ENDPOINT_MALFORMED'],
  ['newline in the path', 'https://fcm.googleapis.com/fcm/send/a\nb', 'ENDPOINT_MALFORMED'],
  ['C1 control', 'https://fcm.googleapis.com/fcm/send/a\u0085b', 'ENDPOINT_MALFORMED'],
  ['space in the path', 'https://fcm.googleapis.com/fcm/send/a b', 'ENDPOINT_MALFORMED'],
  ['backslash host confusion', 'https://fcm.googleapis.com\\@evil.com/x', 'ENDPOINT_MALFORMED'],
  ['fragment', `https://fcm.googleapis.com/fcm/send/${TOKEN}#frag`, 'ENDPOINT_MALFORMED'],
  ['empty fragment', `https://fcm.googleapis.com/fcm/send/${TOKEN}#`, 'ENDPOINT_MALFORMED'],
  ['not absolute', `fcm.googleapis.com/fcm/send/${TOKEN}`, 'ENDPOINT_MALFORMED'],
  ['scheme-relative', `//fcm.googleapis.com/fcm/send/${TOKEN}`, 'ENDPOINT_MALFORMED'],
];

const PUSH_CASES: Case[] = [
  ...ENDPOINTS.map(([label, endpoint, code]): Case => [`endpoint: ${label}`, (c) => subscribe(c, endpoint), push(code)]),
  ['endpoint: empty', (c) => subscribe(c, '  '), v('REQUIRED', 'endpoint')],
  ['endpoint: number', (c) => subscribe(c, 42), v('TYPE', 'endpoint')],
  ['endpoint: URL object', (c) => subscribe(c, new URL(FCM)), v('TYPE', 'endpoint')],
  ['endpoint: claimed by another account (other spelling)', (c) => c.push.subscribe(c.seed.freelancer, { endpoint: c.seed.endpoint.replace('fcm.googleapis.com', 'FCM.GOOGLEAPIS.COM:443'), keys: GOOD_KEYS }), conflict('PUSH.ENDPOINT_CLAIMED')],
  ['subscribe: null body', (c) => c.push.subscribe(c.seed.both, null as never), v('TYPE', 'input')],
  ['keys: missing', (c) => subscribeWithout(c, FCM), v('TYPE', 'keys')],
  ['keys: array', (c) => subscribe(c, FCM, [GOOD_KEYS.p256dh, GOOD_KEYS.auth]), v('TYPE', 'keys')],
  ['p256dh: missing', (c) => subscribe(c, FCM, { auth: GOOD_KEYS.auth }), v('TYPE', 'keys.p256dh')],
  ['p256dh: 64 bytes', (c) => subscribe(c, FCM, keys({ p256dh: point(64) })), push('KEY_P256DH_INVALID', 'keys.p256dh')],
  ['p256dh: 66 bytes', (c) => subscribe(c, FCM, keys({ p256dh: point(66) })), push('KEY_P256DH_INVALID', 'keys.p256dh')],
  ['p256dh: standard base64 (+ and /)', (c) => subscribe(c, FCM, keys({ p256dh: Buffer.from(Buffer.alloc(65, 0xfb).fill(4, 0, 1)).toString('base64') })), push('KEY_P256DH_INVALID', 'keys.p256dh')],
  ['p256dh: compressed point (0x02)', (c) => subscribe(c, FCM, keys({ p256dh: point(65, 0x02) })), push('KEY_P256DH_INVALID', 'keys.p256dh')],
  ['p256dh: 33-byte compressed point', (c) => subscribe(c, FCM, keys({ p256dh: point(33, 0x03) })), push('KEY_P256DH_INVALID', 'keys.p256dh')],
  ['p256dh: NUL inside', (c) => subscribe(c, FCM, keys({ p256dh: `${GOOD_KEYS.p256dh.slice(0, 10)}\u0000${GOOD_KEYS.p256dh.slice(11)}` })), push('KEY_P256DH_INVALID', 'keys.p256dh')],
  ['p256dh: a megabyte', (c) => subscribe(c, FCM, keys({ p256dh: 'A'.repeat(1_000_000) })), push('KEY_P256DH_INVALID', 'keys.p256dh')],
  ['auth: 15 bytes', (c) => subscribe(c, FCM, keys({ auth: Buffer.alloc(15, 7).toString('base64url') })), push('KEY_AUTH_INVALID', 'keys.auth')],
  ['auth: 17 bytes', (c) => subscribe(c, FCM, keys({ auth: Buffer.alloc(17, 7).toString('base64url') })), push('KEY_AUTH_INVALID', 'keys.auth')],
  ['auth: not base64url', (c) => subscribe(c, FCM, keys({ auth: '!!!!!!!!!!!!!!!!!!!!!!' })), push('KEY_AUTH_INVALID', 'keys.auth')],
  ['auth: non-canonical trailing bits', (c) => subscribe(c, FCM, keys({ auth: 'AAAAAAAAAAAAAAAAAAAAAB' })), push('KEY_AUTH_INVALID', 'keys.auth')],
  ['auth: number', (c) => subscribe(c, FCM, keys({ auth: 1234 })), v('TYPE', 'keys.auth')],
];

export const REJECTED_CASES: ReadonlyArray<[group: string, cases: Case[]]> = [
  ['ids and unknown ids', ID_CASES],
  ['amount', AMOUNT_CASES],
  ['users: username, email, party role', USER_CASES],
  ['contracts: title, status, expectedVersion, list limits', CONTRACT_CASES],
  ['roles and permissions', ROLE_CASES],
  ['push endpoints and keys', PUSH_CASES],
];

describeEachDialect(
  'rejected inputs leave the database unchanged',
  (db) => {
    const seed = {} as Seed;
    const ctx = (): Ctx => ({
      users: new UserService(db.em()),
      contracts: new ContractService(db.em()),
      access: new AccessService(db.em()),
      push: new PushSubscriptionService(db.em()),
      seed,
    });

    before(async () => {
      const c = ctx();
      const client = await c.users.register({ username: 'client.one', email: 'client.one@example.com', role: 'client' });
      const freelancer = await c.users.register({ username: 'freelancer.one', email: 'freelancer.one@example.com', role: 'freelancer' });
      const both = await c.users.register({ username: 'both.one', email: 'both.one@example.com', role: 'both' });
      const draft = await c.contracts.create({ title: 'Draft contract', clientId: client.id, freelancerId: freelancer.id, amount: '9223372036854775807' });
      const active = await c.contracts.create({ title: 'Active contract', clientId: client.id, freelancerId: freelancer.id, amount: 5n });
      await c.contracts.transition(active.id, { expectedVersion: 1, to: 'active' });
      const role = await c.access.createRole({ name: 'Auditor', description: 'Reads everything', priority: 5 });
      await c.access.setPermissions(role.id, ['contracts.read', 'users:*']);
      await c.access.assignRole(client.id, role.id);
      const sub = await c.push.subscribe(client.id, { endpoint: `https://fcm.googleapis.com/fcm/send/owned-${TOKEN}`, keys: GOOD_KEYS });
      Object.assign(seed, {
        client: client.id,
        clientName: client.username,
        clientEmail: client.email,
        freelancer: freelancer.id,
        both: both.id,
        draft: draft.id,
        active: active.id,
        roleId: role.id,
        roleName: role.name,
        endpoint: sub.endpoint,
      } satisfies Seed);
    });

    it('the seed is in place (sanity check for every case below)', async () => {
      const before = await snapshot(db.em());
      expect(before.users.rows).to.equal(3);
      expect(before.contracts.rows).to.equal(2);
      expect(before.role_permissions.rows).to.equal(2);
      expect(before.push_subscriptions.rows).to.equal(1);
      // The checksum must see a one-field change, or "unchanged" below would prove nothing.
      await ctx().access.updateRole(seed.roleId, { description: 'Reads everything.' });
      const after = await snapshot(db.em());
      expect(after.roles.sum).not.to.equal(before.roles.sum);
      expect(after.users).to.deep.equal(before.users);
    });

    for (const [group, cases] of REJECTED_CASES) {
      describe(group, () => {
        for (const [name, run, expected] of cases) {
          it(`${name} → ${expected.code}`, async () => {
            const before = await snapshot(db.em());
            await expectFailure(() => run(ctx()), expected);
            expect(await snapshot(db.em())).to.deep.equal(before);
          });
        }
      });
    }
  },
  { clearBeforeEach: false },
);
