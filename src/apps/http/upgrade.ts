/**
 * Requests that asked for a protocol upgrade (`Connection: Upgrade`) arrive
 * on node:http's 'upgrade' event with the raw socket instead of a response.
 * They run through the same routes: the server makes an ordinary response
 * over that socket, and a handler that can upgrade (reverse_proxy) claims
 * the socket here. Unclaimed, the socket is closed after the response.
 */
import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

interface Pending {
  socket: Duplex;
  head: Buffer;
  claimed: boolean;
}

const pending = new WeakMap<IncomingMessage, Pending>();

/** A response for an upgrade request; the connection closes once it is written. */
export function upgradeResponse(req: IncomingMessage, socket: Duplex, head: Buffer): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as never);
  pending.set(req, { socket, head, claimed: false });
  res.on('finish', () => {
    res.detachSocket(socket as never);
    socket.end();
  });
  socket.on('error', () => socket.destroy());
  return res;
}

/** Whether the request came with its socket for an upgrade (not yet claimed). */
export function canUpgrade(req: IncomingMessage): boolean {
  const p = pending.get(req);
  return p !== undefined && !p.claimed;
}

/**
 * Takes the raw socket: the response object stops writing to it, and the
 * caller owns the connection (and must close it).
 */
export function claimUpgrade(req: IncomingMessage, res: ServerResponse): { socket: Duplex; head: Buffer } | null {
  const p = pending.get(req);
  if (p === undefined || p.claimed) return null;
  p.claimed = true;
  res.detachSocket(p.socket as never);
  return { socket: p.socket, head: p.head };
}
