import { CONTRACT_STATUSES } from 'contractdesk';
import { TransitionDto } from './requests';

/**
 * Bodies the DTO check can pass without class-transformer and class-validator: for a DTO on a hot route, a
 * predicate that is true only for bodies its decorators certainly accept. Anything else (a failure, an unknown
 * or nested field, a missing body) still goes through the full pipe, so every refusal is the one the decorators
 * give. The predicate mirrors the decorators; test/app/dto-validation.spec.ts compares them on a set of bodies.
 */
export type SettledCheck = (body: object) => boolean;

const STATUSES: ReadonlySet<unknown> = new Set(CONTRACT_STATUSES);

/** `@Optional() @WholeNumber()`: absent, or a JSON number that is an integer (class-validator's isInt). */
const optionalWholeNumber = (value: unknown): boolean => value === undefined || (typeof value === 'number' && Number.isInteger(value));

/** Only own fields named here: the full pipe copies the body through class-transformer, which a stray key could change. */
function onlyKeys(body: object, allowed: ReadonlySet<string>): boolean {
  if (Object.getPrototypeOf(body) !== Object.prototype) return false;
  for (const key in body) if (!allowed.has(key) || !Object.prototype.hasOwnProperty.call(body, key)) return false;
  return true;
}

const TRANSITION_KEYS: ReadonlySet<string> = new Set(['to', 'expectedVersion']);

export const SETTLED_CHECKS: ReadonlyMap<unknown, SettledCheck> = new Map<unknown, SettledCheck>([
  [
    TransitionDto,
    (body) => {
      const { to, expectedVersion } = body as { to?: unknown; expectedVersion?: unknown };
      return onlyKeys(body, TRANSITION_KEYS) && STATUSES.has(to) && optionalWholeNumber(expectedVersion);
    },
  ],
]);
