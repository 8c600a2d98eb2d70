/**
 * The upgraded connections (tunnels) one reverse_proxy handler has open,
 * and when they end besides either peer closing:
 * - `stream_timeout`: a tunnel older than it is closed (Caddy closes
 *   without a close frame);
 * - `stream_close_delay`: once the config that opened them is replaced or
 *   stopped (ProvisionEnv.onRetire), they are closed that much later, WebSockets with a 1001
 *   "going away" frame to each peer (Caddy's cleanupConnections). Without
 *   it a reload keeps them open (tsweb keeps tunnels on listeners a reload
 *   keeps; Caddy closes them at once, its issue #5471);
 * - the server stopping (SIGTERM, `tsweb stop`): closed like the delay's
 *   end, through src/core/tunnels.ts, once the grace period starts.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';

/** A close frame with status 1001, as the server sends it (unmasked). */
const SERVER_GOING_AWAY = Buffer.from([0x88, 0x02, 0x03, 0xe9]);

/** The same frame as a client sends it (masked, RFC 6455 5.3). */
function clientGoingAway(): Buffer {
  const key = randomBytes(4);
  return Buffer.from([0x88, 0x82, key[0]!, key[1]!, key[2]!, key[3]!, 0x03 ^ key[0]!, 0xe9 ^ key[1]!]);
}

/** Writes the 1001 frames (best effort, as Caddy) and lets `close` end both sockets. */
export function sayGoingAway(client: Duplex, upstream: Duplex): void {
  if (client.writable) client.write(SERVER_GOING_AWAY);
  if (upstream.writable) upstream.write(clientGoingAway());
}

export class Tunnels {
  /** Each open tunnel's graceful close. */
  private readonly open = new Set<() => void>();
  private closeTimer: NodeJS.Timeout | undefined;

  constructor(
    /** Milliseconds; 0: none. */
    readonly streamTimeout: number,
    readonly streamCloseDelay: number,
  ) {}

  add(goodbye: () => void): () => void {
    this.open.add(goodbye);
    return () => {
      this.open.delete(goodbye);
      if (this.open.size === 0 && this.closeTimer !== undefined) {
        clearTimeout(this.closeTimer);
        this.closeTimer = undefined;
      }
    };
  }

  /** The handler's config takes no more requests (replaced or stopped). */
  retire(): void {
    if (this.streamCloseDelay <= 0 || this.open.size === 0) return;
    // unref: a stopping process does not wait for it (its tunnels close with the listeners).
    this.closeTimer = setTimeout(() => this.closeAll(), this.streamCloseDelay).unref();
  }

  closeAll(): void {
    for (const goodbye of [...this.open]) goodbye();
  }
}
