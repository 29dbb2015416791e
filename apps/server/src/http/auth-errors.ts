import { ForbiddenError } from 'contractdesk';

/**
 * No usable caller identity. A ForbiddenError so services and policies treat it as a refusal; the filter
 * answers 401 instead of 403 because the fix is to identify yourself, not to ask for more rights.
 * Messages are fixed: nothing from the token (or the verifier library's wording) is echoed.
 */
export class AuthRequiredError extends ForbiddenError {
  static missing(): AuthRequiredError {
    return new AuthRequiredError('AUTH.REQUIRED', 'Send a bearer token: Authorization: Bearer <token>');
  }

  static invalidToken(): AuthRequiredError {
    return new AuthRequiredError('AUTH.INVALID_TOKEN', 'The bearer token is not valid');
  }

  static expired(): AuthRequiredError {
    return new AuthRequiredError('AUTH.EXPIRED', 'The bearer token has expired; get a new one');
  }

  /** A valid token whose subject has no user (never registered, or the user was deleted). */
  static notRegistered(): AuthRequiredError {
    return new AuthRequiredError('AUTH.NOT_REGISTERED', 'No user is registered for this identity; register with POST /users');
  }
}

export function forbidden(message: string): ForbiddenError {
  return new ForbiddenError('AUTH.FORBIDDEN', message);
}
