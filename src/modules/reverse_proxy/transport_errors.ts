/**
 * The two errors the retry rule and the status mapping classify, shared by
 * both transports and the dialer (dial.ts).
 */

/** Could not connect: always safe to retry (Caddy's DialError). */
export class DialError extends Error {
  override name = 'DialError';
  constructor(message: string, readonly timeout = false) {
    super(message);
  }
}

/** A timeout after connecting (Go's net.Error with Timeout()): Caddy answers 504. */
export class UpstreamTimeout extends Error {
  override name = 'UpstreamTimeout';
}
