// A real origin on 127.0.0.1 for the cache tests: counts what reaches it and
// answers with what the test's function says.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Origin {
  port: number;
  dial: string;
  /** Requests that reached the origin, in order. */
  seen: IncomingMessage[];
  count(path?: string): number;
  handle: (req: IncomingMessage, res: ServerResponse) => unknown;
  close(): Promise<void>;
}

export async function origin(handle: Origin['handle'] = (_q, res) => res.end('ok')): Promise<Origin> {
  const o = { seen: [] as IncomingMessage[], handle } as Origin;
  const server = createServer((req, res) => {
    o.seen.push(req);
    void o.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  o.port = (server.address() as AddressInfo).port;
  o.dial = `127.0.0.1:${o.port}`;
  o.count = (path) => o.seen.filter((r) => path === undefined || r.url === path).length;
  o.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return o;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `cond` holds (a loaded machine may be slow), failing after `ms`. */
export async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}
