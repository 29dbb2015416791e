import { IsIn, IsInt, IsString, Matches, ValidateBy, ValidateIf, ValidateNested, type ValidationOptions } from 'class-validator';
import { UUID_PATTERN } from 'contractdesk/internal';

/**
 * class-validator decorators that carry the project's stable error code. The DTOs only check shape and type at
 * the HTTP edge, with the same code (and field) the domain would give for that input; content rules (lengths,
 * ranges, patterns) stay in src/domain and the entities, which also guard hosts that call the services directly.
 */
export interface RuleContext {
  code: string;
  /** Completes "<field> …" in the error message. */
  expectation: string;
}

function rule(code: string, expectation: string): ValidationOptions {
  const context: RuleContext = { code, expectation };
  // class-validator only attaches the context to a failure that has a (non-empty) message.
  return { context, message: ({ property }) => `${property} ${expectation}` };
}

/** Validates only when the client sent the field: `null` is a value and is checked (unlike @IsOptional). */
export const Optional = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

export const Text = (code = 'VALIDATION.TYPE') => IsString(rule(code, 'must be a string'));

export const Uuid = () => Matches(UUID_PATTERN, rule('VALIDATION.INVALID_UUID', 'must be a UUID'));

export const WholeNumber = () => IsInt(rule('VALIDATION.NOT_AN_INTEGER', 'must be a whole number'));

/** Query values are text; digits are turned into numbers by the controller, the range is the service's. */
export const QueryNumber = () => IsString(rule('VALIDATION.NOT_AN_INTEGER', 'must be given once, as a whole number'));

export const QueryText = () => IsString(rule('VALIDATION.TYPE', 'must be given once, as text'));

export const OneOf = (values: readonly string[]) => IsIn([...values], rule('VALIDATION.INVALID_VALUE', `must be one of: ${values.join(', ')}`));

/** An int64 amount of stroops: a decimal string, or a JSON number while it is exact (the domain checks which). */
export const Amount = () =>
  ValidateBy(
    { name: 'isAmount', validator: { validate: (value: unknown) => typeof value === 'string' || typeof value === 'number' } },
    rule('VALIDATION.INVALID_AMOUNT', 'must be a whole number of stroops'),
  );

export const List = (code = 'VALIDATION.TYPE', expectation = 'must be a list') =>
  ValidateBy({ name: 'isList', validator: { validate: (value: unknown) => Array.isArray(value) } }, rule(code, expectation));

export const Nested = (expectation: string, each = false) => ValidateNested({ ...rule('VALIDATION.TYPE', expectation), each });
