/**
 * Upgraded connections (WebSocket and any other `Connection: Upgrade`): once
 * the upstream answers 101, the client gets that head, and the two sockets
 * are piped both ways until either side closes or ends its half: then both
 * are closed, as Caddy's handleUpgradeResponse returns when the first of its
 * two copies ends. tunnels.ts says when else they close.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { goStatusText } from '../../go/statustext.js';
import { onServerClose } from '../../core/tunnels.js';
import type { HeaderMap } from './header_map.js';
import { sayGoingAway, type Tunnels } from './tunnels.js';

export function tunnel(client: Duplex, clientHead: Buffer, up: IncomingMessage, upSocket: Duplex, upHead: Buffer, h: HeaderMap, upgrade: string, tunnels: Tunnels): Promise<void> {
  // The Upgrade pair is hop-by-hop and was removed with the others: put it back.
  h.set('Connection', ['Upgrade']);
  h.set('Upgrade', [up.headers.upgrade ?? upgrade]);
  let head = `HTTP/1.1 101 ${up.statusMessage || goStatusText(101)}\r\n`;
  for (const [name, values] of h.entries()) for (const v of values) head += `${name}: ${v}\r\n`;
  head += '\r\n';
  client.write(head);
  if (upHead.length > 0) client.write(upHead);
  if (clientHead.length > 0) upSocket.write(clientHead);
  return new Promise((resolve) => {
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    const close = () => {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      forget();
      client.destroy();
      upSocket.destroy();
      resolve();
    };
    // Caddy's isWebsocket: only WebSockets get a close frame when the server closes the tunnel.
    const websocket = upgrade.toLowerCase() === 'websocket';
    const goodbye = () => {
      if (websocket) sayGoingAway(client, upSocket);
      close();
    };
    const forget = tunnels.add(goodbye);
    onServerClose(client, goodbye);
    if (tunnels.streamTimeout > 0) timer = setTimeout(close, tunnels.streamTimeout);
    // What was read is still written out; then both go, even if the other
    // peer never answers the half-close (a tunnel left half-open would hold
    // its request, and with it the config's graceful stop, forever).
    let ending = false;
    const ended = () => {
      if (ending) return;
      ending = true;
      let writers = 2;
      const flushed = () => {
        if (--writers === 0) close();
      };
      client.end(flushed);
      upSocket.end(flushed);
    };
    client.on('error', close);
    upSocket.on('error', close);
    client.on('close', close);
    upSocket.on('close', close);
    // pipe() gives backpressure both ways.
    client.pipe(upSocket);
    upSocket.pipe(client);
    client.on('end', ended);
    upSocket.on('end', ended);
  });
}
