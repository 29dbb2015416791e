import { ValidationError } from 'contractdesk';

/**
 * A request body in a type the API does not read. A ValidationError so it is the client's fault; the filter
 * answers 415 instead of 400 because the fix is the Content-Type, not the fields.
 */
export class UnsupportedMediaTypeError extends ValidationError {
  constructor() {
    super('REQUEST.UNSUPPORTED_MEDIA_TYPE', 'Content-Type', 'Send the request body as JSON with Content-Type: application/json');
  }
}
