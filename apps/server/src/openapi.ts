import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  type OpenAPIObject,
  type OperationObject,
  type ResponseObject,
  type SchemaObject,
  SwaggerModule,
  getSchemaPath,
} from '@nestjs/swagger';
import { PROBLEM_MEDIA_TYPE } from './http/error-filter';
import { ProblemDetails, RESPONSE_SCHEMAS } from './dto/views';
import { EDGE_ERRORS, ERROR_CODES_EXTENSION, STATUS_TEXT, WRITE_ERRORS, mergeCodes } from './openapi-errors';

/** Where the document and the Swagger UI are served (outside the auth guard: they describe, they do not act). */
export const OPENAPI_JSON_PATH = '/openapi.json';
export const SWAGGER_UI_PATH = '/docs';

export const BEARER = 'bearer';

/**
 * The OpenAPI 3.1 document, generated from the controllers and DTOs (never hand-kept): `npm run openapi`
 * writes it to docs/openapi.json and CI fails when the committed file differs.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('ContractDesk')
    .setDescription(
      'Freelance contracts: users, contracts with optimistic versions, roles, Web Push endpoints. ' +
        'Every error is an RFC 9457 problem document (`application/problem+json`) with a stable `code` extension ' +
        'member; each response lists the codes it can carry. ' +
        'A bearer token is verified on every route it is sent to (an invalid one is 401 everywhere).',
    )
    .setVersion('1')
    .setLicense('MIT', '')
    // The document is served by the API it describes (/openapi.json): the same origin is the server.
    .addServer('/', 'The server this document is served from')
    .addTag('users', 'Accounts, each bound to one token subject')
    .addTag('contracts', 'Contracts between a client and a freelancer, changed with optimistic versions')
    .addTag('roles', 'Roles and the permissions they grant (role administrators)')
    .addTag('access', 'Which roles and permissions a user holds')
    .addTag('push', 'A user\'s Web Push subscriptions')
    .addTag('health', 'Liveness and readiness probes')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER)
    .build();
  const document = describeErrors(SwaggerModule.createDocument(app, config, { extraModels: [ProblemDetails] }));
  // OpenAPI 3.1 names an SPDX licence by `identifier` (the DocumentBuilder only knows 3.0's name + url).
  document.info.license = { name: 'MIT', identifier: 'MIT' } as OpenAPIObject['info']['license'];
  delete (document.info as { contact?: unknown }).contact;
  for (const view of RESPONSE_SCHEMAS) {
    const schema = document.components?.schemas?.[view.name] as SchemaObject | undefined;
    if (schema) schema.additionalProperties = false;
  }
  return withJsonSchemaNulls(document);
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

const HEADERS_BY_STATUS: Record<string, ResponseObject['headers']> = {
  401: { 'WWW-Authenticate': { description: 'Always `Bearer`', schema: { type: 'string' } } },
  429: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'string', pattern: '^[0-9]+$' } } },
  503: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'string', pattern: '^[0-9]+$' } } },
};

/**
 * Replaces each operation's declared error codes (ApiErrors) with responses, adds the answers of the edge
 * every route shares, and derives the security requirement: a route that can answer AUTH.REQUIRED needs a
 * token; on every other route a token is optional (and still verified when sent).
 */
function describeErrors(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as (OperationObject & Record<string, unknown>) | undefined;
      if (!operation) continue;
      const declared = (operation[ERROR_CODES_EXTENSION] ?? {}) as Record<string, string[]>;
      delete operation[ERROR_CODES_EXTENSION];
      const codes = mergeCodes([declared, EDGE_ERRORS, method === 'get' ? {} : WRITE_ERRORS]);
      for (const status of Object.keys(codes)) {
        operation.responses[status] = withError(operation.responses[status] as ResponseObject | undefined, status, [...codes[status]].sort());
      }
      operation.security = codes[401]?.includes('AUTH.REQUIRED') ? [{ [BEARER]: [] }] : [{}, { [BEARER]: [] }];
    }
  }
  return document;
}

/** @nestjs/swagger writes 3.0's `nullable: true`; 3.1 schemas are JSON Schema, where null is a type. */
function withJsonSchemaNulls<T>(value: T): T {
  if (Array.isArray(value)) value.forEach(withJsonSchemaNulls);
  else if (value && typeof value === 'object') {
    const schema = value as Record<string, unknown>;
    if (schema.nullable === true && typeof schema.type === 'string') {
      schema.type = [schema.type, 'null'];
      delete schema.nullable;
    }
    Object.values(schema).forEach(withJsonSchemaNulls);
  }
  return value;
}

function withError(existing: ResponseObject | undefined, status: string, codes: string[]): ResponseObject {
  const schema: SchemaObject = {
    allOf: [{ $ref: getSchemaPath(ProblemDetails) }, { type: 'object', properties: { code: { type: 'string', enum: codes } } }],
  };
  const description = `${STATUS_TEXT[status] ?? 'Error'}: ${codes.join(', ')}`;
  const headers = HEADERS_BY_STATUS[status];
  if (!existing) return { description, ...(headers ? { headers } : {}), content: { [PROBLEM_MEDIA_TYPE]: { schema } } };
  // A route that answers this status with its own body too (GET /ready's 503): its own JSON, or a problem document.
  return {
    ...existing,
    description: `${existing.description}; or ${description}`,
    headers: { ...headers, ...existing.headers },
    content: { ...existing.content, [PROBLEM_MEDIA_TYPE]: { schema } },
  };
}

/** Serves the document at /openapi.json and Swagger UI at /docs. */
export function serveOpenApi(app: INestApplication, document: OpenAPIObject): void {
  SwaggerModule.setup(SWAGGER_UI_PATH.slice(1), app, document, {
    jsonDocumentUrl: OPENAPI_JSON_PATH.slice(1),
    raw: ['json'],
    customSiteTitle: 'ContractDesk API',
  });
}
