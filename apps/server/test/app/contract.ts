import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { OpenAPIObject } from '@nestjs/swagger';
import { OPENAPI_JSON_PATH, SWAGGER_UI_PATH } from '../../src/openapi';
import { generateOpenApiJson } from '../../scripts/openapi';

/**
 * Checks HTTP answers against the OpenAPI document: the route (method + path template) and the status must be
 * declared, the JSON body must match the declared schema, declared headers must be present. Ajv's 2020-12
 * draft is OpenAPI 3.1's schema dialect, so the document's own schemas are used as they are; the OpenAPI
 * response validators on npm either stop at 3.0 or bring a router and middleware this needs none of.
 */
export interface Answer {
  method: string;
  path: string;
  status: number;
  headers: Headers;
  /** The body text, empty when there was none. */
  text: string;
}

const DOCUMENT_ID = 'https://contractdesk.invalid/openapi.json';
const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
}

interface DeclaredResponse {
  content?: Record<string, { schema?: unknown }>;
  headers?: Record<string, unknown>;
}

export class ContractChecker {
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, validateSchema: false }));
  private readonly routes: Route[];
  private readonly validators = new Map<string, ReturnType<Ajv2020['compile']>>();

  constructor(private readonly document: OpenAPIObject) {
    this.ajv.addSchema({ ...document, $id: DOCUMENT_ID } as object);
    this.routes = Object.entries(document.paths).flatMap(([template, item]) =>
      Object.keys(item)
        .filter((method) => METHODS.has(method))
        .map((method) => ({
          method,
          template,
          pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
        })),
    );
  }

  /** The problems with one answer; empty when it is what the document declares. */
  problems(answer: Answer): string[] {
    const path = answer.path.split('?')[0];
    const method = answer.method.toLowerCase();
    const what = `${answer.method} ${path} → ${answer.status}`;
    // Literal templates win over parameterised ones (/contracts/amount-revisions before /contracts/{id}).
    const candidates = this.routes.filter((r) => r.method === method && r.pattern.test(path));
    const route = candidates.find((r) => !r.template.includes('{')) ?? candidates[0];
    if (!route) return [`${what}: the document declares no ${answer.method} route for this path`];
    const responses = (this.document.paths[route.template] as Record<string, { responses: Record<string, DeclaredResponse> }>)[method].responses;
    const declared = responses[String(answer.status)];
    if (!declared) return [`${what}: ${answer.method} ${route.template} does not declare status ${answer.status}`];
    const problems: string[] = [];
    for (const header of Object.keys(declared.headers ?? {})) {
      if (!answer.headers.has(header)) problems.push(`${what}: declared header ${header} is missing`);
    }
    const declaredTypes = Object.keys(declared.content ?? {});
    if (declaredTypes.length === 0) {
      if (answer.text !== '') problems.push(`${what}: a body was sent where none is declared`);
      return problems;
    }
    // The answer's media type picks the schema (GET /ready's 503: its own JSON, or a problem document).
    const mediaType = (answer.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (!declaredTypes.includes(mediaType)) return [...problems, `${what}: Content-Type ${mediaType || '(none)'} is not one of the declared ${declaredTypes.join(', ')}`];
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return [...problems, `${what}: the body is not JSON`];
    }
    const validate = this.validator(route.template, method, String(answer.status), mediaType);
    if (!validate(body)) {
      for (const e of validate.errors ?? []) problems.push(`${what}: body${e.instancePath} ${e.message} (${e.schemaPath})`);
    }
    return problems;
  }

  private validator(template: string, method: string, status: string, mediaType: string) {
    const pointer = ['paths', template, method, 'responses', status, 'content', mediaType, 'schema']
      .map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1'))
      .join('/');
    const ref = `${DOCUMENT_ID}#/${pointer}`;
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(ref, validate);
    }
    return validate;
  }
}

/** The document and the Swagger UI are served beside the API; they are not part of what it declares. */
export function describesItself(path: string): boolean {
  const bare = path.split('?')[0];
  return bare === OPENAPI_JSON_PATH || bare === SWAGGER_UI_PATH || bare.startsWith(`${SWAGGER_UI_PATH}/`) || bare.startsWith(`${SWAGGER_UI_PATH}-`);
}

let shared: Promise<ContractChecker> | undefined;

/** One checker per test process, over the document the code generates now (what `npm run openapi` writes). */
export function contractChecker(): Promise<ContractChecker> {
  shared ??= generateOpenApiJson().then((json) => new ContractChecker(JSON.parse(json) as OpenAPIObject));
  return shared;
}
