import { type ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import type { ValidationError as ClassValidatorError } from 'class-validator';
import { ValidationError } from 'contractdesk';
import type { RuleContext } from './rules';
import { SETTLED_CHECKS } from './settled-bodies';

/**
 * Nest's ValidationPipe over the DTOs, answering with the project's ValidationError (stable code + the field
 * the client sent) instead of Nest's BadRequestException. It validates and passes the body on unchanged
 * (no transform, no whitelist): the services read the fields they know and still validate them.
 */
@Injectable()
export class DtoValidationPipe extends ValidationPipe {
  constructor() {
    super({ transform: false, stopAtFirstError: true, forbidUnknownValues: true, exceptionFactory: firstValidationError });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // body-parser only lets objects and arrays through; fields can only be read from an object.
    if (metadata.type === 'body' && value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw new ValidationError('REQUEST.BODY_NOT_OBJECT', 'body', 'The request body must be a JSON object');
    }
    // class-transformer and class-validator cost a transition ~7% of its CPU; a body the DTO's precompiled
    // check accepts would pass them unchanged (the full pipe's copy has the same fields).
    if (metadata.type === 'body' && value !== undefined && SETTLED_CHECKS.get(metadata.metatype)?.(value as object)) return value;
    return super.transform(value, metadata);
  }
}

/** The first failure, depth first, as one ValidationError: `changes[0].amount`, `keys.auth`. */
export function firstValidationError(errors: ClassValidatorError[]): ValidationError {
  const found = first(errors, '');
  if (!found) return new ValidationError('VALIDATION.INVALID_VALUE', 'body', 'The request body is not valid');
  const { field, context } = found;
  return new ValidationError(context.code, field, `${field} ${context.expectation}`);
}

function first(errors: ClassValidatorError[], prefix: string): { field: string; context: RuleContext } | undefined {
  for (const error of errors) {
    const field = /^\d+$/.test(error.property) ? `${prefix}[${error.property}]` : prefix ? `${prefix}.${error.property}` : error.property;
    const failed = Object.keys(error.constraints ?? {})[0];
    if (failed !== undefined) {
      const context = error.contexts?.[failed] as RuleContext | undefined;
      return { field, context: context ?? { code: 'VALIDATION.TYPE', expectation: 'has the wrong type' } };
    }
    const nested = first(error.children ?? [], field);
    if (nested) return nested;
  }
  return undefined;
}
