/**
 * Requests that asked for a protocol upgrade (`Connection: Upgrade`) arrive
 * on node:http's 'upgrade' event with the raw socket instead of a response.
 * They run through the same routes: the server makes an ordinary response
 * over that socket, and a handler that can upgrade (reverse_proxy) takes
 * the socket over with the writer's hijack() (node_response.ts).
 * Unclaimed, the socket is closed after the response.
 */
import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** A response for an upgrade request; the connection closes once it is written. */
export function upgradeResponse(req: IncomingMessage, socket: Duplex): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as never);
  res.on('finish', () => {
    res.detachSocket(socket as never);
    socket.end();
  });
  socket.on('error', () => socket.destroy());
  return res;
}
