/**
 * A Runtime serving a full config (logging + apps.http) on a free loopback
 * port, with stdout/stderr log lines captured, and fetch-based clients.
 */
import { Runtime } from '../../src/runtime/runtime.js';
import { freePort } from '../support/net.js';

export interface Served {
  port: number;
  runtime: Runtime;
  stderr: string[];
  stdout: string[];
  /** JSON lines written to stderr (JSON-encoded logs only). */
  json(filter?: (e: Record<string, unknown>) => boolean): Array<Record<string, any>>;
  stop(): Promise<void>;
}

/** `build(port)` returns the whole config; the server must listen on 127.0.0.1:port. */
export async function serveConfig(build: (port: number) => Record<string, unknown>): Promise<Served> {
  const port = await freePort();
  const stderr: string[] = [];
  const stdout: string[] = [];
  const runtime = new Runtime({ logStreams: { stderr: (l) => void stderr.push(l), stdout: (l) => void stdout.push(l) } });
  await runtime.load(build(port));
  return {
    port,
    runtime,
    stderr,
    stdout,
    json: (filter = () => true) =>
      stderr
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, any>)
        .filter(filter),
    stop: () => runtime.stop(),
  };
}

/** A fetch that also sends Host (fetch refuses to set it, so it goes through node:http). */
export async function get(port: number, path: string, opts: { host?: string; method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { Host: opts.host ?? `localhost:${port}`, ...opts.headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Waits (bounded) until `cond` holds. */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
