import { ForbiddenError } from '../../errors/domain-error';

/**
 * No usable caller identity. A ForbiddenError so services and policies treat it as a refusal; the filter
 * answers 401 instead of 403 because the fix is to identify yourself, not to ask for more rights.
 */
export class AuthRequiredError extends ForbiddenError {
  static missing(): AuthRequiredError {
    return new AuthRequiredError('AUTH.REQUIRED', 'Identify yourself with the X-User-Id header (a user id)');
  }

  static malformed(): AuthRequiredError {
    return new AuthRequiredError('AUTH.INVALID_CALLER', 'X-User-Id must be a user id (UUID)');
  }
}

export function forbidden(message: string): ForbiddenError {
  return new ForbiddenError('AUTH.FORBIDDEN', message);
}
