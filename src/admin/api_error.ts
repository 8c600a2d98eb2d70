/**
 * caddy.APIError: an admin request's failure with its HTTP status; the
 * response body is `{"error": "<message>"}`. Any other error becomes a 500,
 * as in Caddy (whose config traversal errors are mostly plain errors).
 */
export class APIError extends Error {
  override name = 'APIError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
