// Real backends for proxy tests: node:http servers on 127.0.0.1 port 0, and a
// raw client for Upgrade exchanges. Every backend is closed by the test.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface Backend {
  port: number;
  dial: string;
  server: Server;
  close(): Promise<void>;
}

export async function backend(handle: (req: IncomingMessage, res: ServerResponse) => void, onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): Promise<Backend> {
  const server = createServer(handle);
  if (onUpgrade) server.on('upgrade', onUpgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    dial: `127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A backend answering with its name and the request it saw (method, url, headers, body length). */
export function echoBackend(name: string): Promise<Backend> {
  return backend((req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers, bodyLength: n }));
    });
  });
}

/** Sends an Upgrade request over a raw socket; resolves with the socket and the response head once it arrives. */
export function upgradeClient(port: number, path: string, extra: string[] = []): Promise<{ socket: Socket; head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no upgrade response within 5 s'));
    }, 5000);
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.off('data', onData);
      resolve({ socket, head: buf.subarray(0, end).toString('latin1'), rest: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.write([`GET ${path} HTTP/1.1`, 'Host: ws.test', 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', ...extra, '', ''].join('\r\n'));
  });
}

/** Reads from a socket until `want` bytes arrived (or 5 s passed). */
export function readBytes(socket: Socket, want: number, first: Buffer = Buffer.alloc(0)): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = first;
    if (buf.length >= want) return resolve(buf);
    const timer = setTimeout(() => reject(new Error(`only ${buf.length} of ${want} bytes within 5 s`)), 5000);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= want) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve(buf);
      }
    };
    socket.on('data', onData);
  });
}
