/**
 * How a hijacked connection wants to be closed when its server stops: a
 * proxied WebSocket says goodbye (a 1001 "going away" close frame to both
 * peers, as Caddy's writeCloseControl) before its sockets go. The listener
 * that hijacked the socket calls closeUpgraded; whoever runs the tunnel
 * registers the goodbye.
 */
import type { Duplex } from 'node:stream';

const goodbyes = new WeakMap<Duplex, () => void>();

export function onServerClose(socket: Duplex, close: () => void): void {
  goodbyes.set(socket, close);
}

/** Closes a hijacked socket the way its tunnel asked (or just destroys it). */
export function closeUpgraded(socket: Duplex): void {
  const close = goodbyes.get(socket);
  if (close === undefined) socket.destroy();
  else close();
}
