/**
 * The few Express request/response members we use. @types/express is not a dependency of this project,
 * and these narrow shapes keep controllers honest about what they touch.
 */
export interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface HttpResponse {
  headersSent: boolean;
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): unknown;
  json(body: unknown): unknown;
  end(): unknown;
}
