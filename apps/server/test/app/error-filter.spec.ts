import { expect } from 'chai';
import { NotFoundException } from '@nestjs/common';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { AuthRequiredError } from '../../src/http/auth-errors';
import { PROBLEM_MEDIA_TYPE, sendHttpError, toHttpError } from '../../src/http/error-filter';
import type { HttpResponse } from '../../src/http/http-types';
import { expectedVersion } from '../../src/http/request-values';
import {
  ConfigError,
  ConflictError,
  ForbiddenError,
  InternalError,
  NotFoundError,
  RuleViolationError,
  UnavailableError,
  ValidationError,
} from '../../../../packages/contractdesk/src/errors/domain-error';
import { translateError } from '../../../../packages/contractdesk/src/errors/translate';

const SQL = `insert into "contractdesk_users" ("id", "username") values ('x', 'secret') - duplicate key value violates unique constraint "users_pkey"`;

describe('app: error → HTTP mapping', () => {
  it('maps every DomainError kind to its status with { code, message, field? }', () => {
    const cases: Array<[Error, number, string]> = [
      [new ValidationError('VALIDATION.REQUIRED', 'title', 'title is required'), 400, 'VALIDATION.REQUIRED'],
      [NotFoundError.contract('c1'), 404, 'CONTRACT.NOT_FOUND'],
      [ConflictError.versionConflict('c1', 1, 2), 409, 'CONTRACT.VERSION_CONFLICT'],
      [ConflictError.endpointClaimed(), 409, 'PUSH.ENDPOINT_CLAIMED'],
      [RuleViolationError.illegalTransition('draft', 'completed'), 422, 'CONTRACT.ILLEGAL_TRANSITION'],
      [new ForbiddenError('AUTH.FORBIDDEN', 'no'), 403, 'AUTH.FORBIDDEN'],
      [AuthRequiredError.missing(), 401, 'AUTH.REQUIRED'],
      [UnavailableError.contention(new Error(SQL)), 503, 'DB.CONTENTION'],
    ];
    for (const [error, status, code] of cases) {
      const mapped = toHttpError(error);
      expect(mapped.status, code).to.equal(status);
      expect(mapped.body.code).to.equal(code);
      expect(mapped.body.message).to.be.a('string').and.not.include('insert');
    }
    expect(toHttpError(cases[0][0]).body.field).to.equal('title');
    expect(toHttpError(cases[1][0]).body).not.to.have.property('field');
    expect(toHttpError(cases[7][0]).headers['Retry-After']).to.equal('1');
  });

  it('answers 500 with a generic body for internal, config and unknown errors: no SQL, no stack, no driver text', () => {
    const raw = new Error(SQL);
    const driver = new UniqueConstraintViolationException(raw as never);
    for (const error of [raw, InternalError.wrap(raw), new ConfigError('CONFIG.X', `bad ${SQL}`), 'a string', undefined, { sql: SQL }]) {
      const mapped = toHttpError(error);
      expect(mapped.status).to.equal(500);
      expect(mapped.body).to.deep.equal({ code: 'INTERNAL', message: 'An internal error occurred' });
      expect(mapped.log).to.equal(true);
    }
    // A translated driver error keeps its SQL on `cause` only.
    const translated = toHttpError(translateError(driver));
    expect(translated.status).to.equal(409);
    expect(JSON.stringify(translated.body)).not.to.match(/insert|users_pkey|secret/);
  });

  it('maps body-parser failures and Nest HTTP exceptions without echoing their text', () => {
    const parse = Object.assign(new SyntaxError('Unexpected token } in JSON at position 9: {"secret":}'), { type: 'entity.parse.failed', status: 400 });
    expect(toHttpError(parse)).to.deep.include({ status: 400, body: { code: 'REQUEST.MALFORMED_JSON', message: 'The request body is not valid JSON' } });
    const large = Object.assign(new Error('too large'), { type: 'entity.too.large', status: 413 });
    expect(toHttpError(large).status).to.equal(413);
    // The framework's message quotes the path; ours does not echo anything the caller sent.
    expect(toHttpError(new NotFoundException('Cannot GET /x')).body).to.deep.equal({ code: 'HTTP.NOT_FOUND', message: 'No such route' });
  });

  it('answers every error as an RFC 9457 problem document (application/problem+json), code and field as extension members', () => {
    const sent: Array<{ status?: number; body?: unknown; mediaType?: string }> = [];
    const response = (): HttpResponse => {
      const record: { status?: number; body?: unknown; mediaType?: string } = {};
      sent.push(record);
      const res: HttpResponse = {
        headersSent: false,
        status(code) {
          record.status = code;
          return res;
        },
        setHeader: () => undefined,
        json(body, mediaType) {
          record.body = body;
          record.mediaType = mediaType;
        },
        end: () => undefined,
      };
      return res;
    };
    const req = { method: 'POST', path: '/users', headers: {} };
    const quiet = { error: () => undefined };
    sendHttpError(new ValidationError('VALIDATION.REQUIRED', 'title', 'title is required'), req, response(), quiet);
    sendHttpError(new Error(SQL), req, response(), quiet);
    sendHttpError(new NotFoundException('Cannot GET /x'), req, response(), quiet);
    expect(sent.map((s) => s.mediaType)).to.deep.equal([PROBLEM_MEDIA_TYPE, PROBLEM_MEDIA_TYPE, PROBLEM_MEDIA_TYPE]);
    expect(sent[0]).to.deep.include({ status: 400 });
    expect(sent[0].body).to.deep.equal({
      type: 'urn:contractdesk:problem:VALIDATION.REQUIRED',
      title: 'Invalid request',
      status: 400,
      detail: 'title is required',
      code: 'VALIDATION.REQUIRED',
      field: 'title',
    });
    expect(sent[1].body).to.deep.equal({ type: 'urn:contractdesk:problem:INTERNAL', title: 'Internal error', status: 500, detail: 'An internal error occurred', code: 'INTERNAL' });
    expect(sent[2].body).to.deep.include({ status: 404, code: 'HTTP.NOT_FOUND', detail: 'No such route' }).and.not.have.property('field');
  });

  it('reads the expected version from the body or If-Match, and refuses contradictions', () => {
    expect(expectedVersion({ expectedVersion: 3 }, undefined)).to.equal(3);
    expect(expectedVersion({}, '"4"')).to.equal(4);
    expect(expectedVersion({}, 'W/"5"')).to.equal(5);
    expect(expectedVersion({ expectedVersion: 6 }, '6')).to.equal(6);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as ValidationError).code;
      }
      return 'none';
    };
    expect(code(() => expectedVersion({}, undefined))).to.equal('VALIDATION.VERSION_REQUIRED');
    expect(code(() => expectedVersion({}, '*'))).to.equal('VALIDATION.INVALID_IF_MATCH');
    expect(code(() => expectedVersion({}, '"1", "2"'))).to.equal('VALIDATION.INVALID_IF_MATCH');
    expect(code(() => expectedVersion({ expectedVersion: 1 }, '"2"'))).to.equal('VALIDATION.VERSION_MISMATCH');
  });
});
