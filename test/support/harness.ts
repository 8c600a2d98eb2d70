/**
 * A real node:http server on 127.0.0.1 (port 0) that builds the Ctx of
 * every request with createCtx and answers with what the test's function
 * returns (as JSON), and a raw-socket client that sends the request line
 * exactly as written (fetch would normalise paths like /a/../b or //x).
 */
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createCtx, type CtxInfo } from '../../src/core/context.js';
import { NodeResponseWriter } from '../../src/apps/http/node_response.js';
import { matcherModules, type ProvisionEnv } from '../../src/core/registry.js';
import { compileMatcherSets, registryMatcher } from '../../src/apps/http/matcher_sets.js';
import type { Ctx, Matcher } from '../../src/core/types.js';

export interface TestServer {
  port: number;
  /** What the server does with each request's Ctx; replaceable between requests. */
  handle: (ctx: Ctx) => unknown;
  info: CtxInfo;
  close(): Promise<void>;
}

export async function startServer(handle: (ctx: Ctx) => unknown = () => null, info: CtxInfo = {}, host = '127.0.0.1'): Promise<TestServer> {
  const ts = { handle, info } as TestServer;
  const server: Server = createServer((req, res) => {
    let ctx: Ctx;
    try {
      ctx = createCtx(req, new NodeResponseWriter(res, false), ts.info);
    } catch (err) {
      res.statusCode = 400;
      res.end(JSON.stringify({ error: (err as Error).message }));
      return;
    }
    let out: unknown;
    try {
      out = ts.handle(ctx);
    } catch (err) {
      const status = (err as { status?: number }).status ?? 500;
      res.statusCode = status;
      res.end(JSON.stringify({ error: (err as Error).message }));
      return;
    }
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(out ?? null));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  ts.port = (server.address() as AddressInfo).port;
  ts.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return ts;
}

export interface RawResponse {
  status: number;
  headers: string;
  body: string;
}

/**
 * Sends one request with the target and header lines exactly as given
 * (Host defaults to "example.com"); resolves with status and body.
 */
export function raw(
  port: number,
  target: string,
  headers: Record<string, string | string[]> = {},
  opts: { method?: string; version?: string; host?: string | null; connectHost?: string } = {},
): Promise<RawResponse> {
  const lines = [`${opts.method ?? 'GET'} ${target} ${opts.version ?? 'HTTP/1.1'}`];
  if (opts.host !== null) lines.push(`Host: ${opts.host ?? 'example.com'}`);
  for (const [k, v] of Object.entries(headers)) for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${one}`);
  lines.push('Connection: close', '', '');
  return new Promise((resolve, reject) => {
    const sock = connect(port, opts.connectHost ?? '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('raw request timed out'));
    }, 5000);
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split);
      let body = text.slice(split + 4);
      if (/transfer-encoding: chunked/i.test(head)) body = dechunk(body);
      resolve({ status: Number(head.split(' ')[1]), headers: head, body });
    });
    sock.write(lines.join('\r\n'));
  });
}

function dechunk(s: string): string {
  let out = '';
  for (;;) {
    const nl = s.indexOf('\r\n');
    const size = parseInt(s.slice(0, nl), 16);
    if (!size) return out;
    out += s.slice(nl + 2, nl + 2 + size);
    s = s.slice(nl + 2 + size + 2);
  }
}

/** raw() and JSON.parse of the body. */
export async function rawJSON(port: number, target: string, headers: Record<string, string | string[]> = {}, opts = {}): Promise<unknown> {
  const r = await raw(port, target, headers, opts);
  return JSON.parse(r.body);
}

/** A ProvisionEnv for tests: nested sets go through the registry, as the engine does. */
export function testEnv(): ProvisionEnv {
  const env: ProvisionEnv = {
    compileRoutes: () => {
      throw new Error('no routes in matcher tests');
    },
    compileMatcherSets: (sets) => compileMatcherSets(sets, registryMatcher(env)),
    onCleanup: () => {},
    configFiles: [],
  };
  return env;
}

/** Provisions one matcher from its JSON, as a route would. */
export function matcher(name: string, config: unknown): Matcher {
  const p = matcherModules.get(name);
  if (!p) throw new Error(`no matcher ${name}`);
  return p.provision(p.decode(config), testEnv());
}

/**
 * Runs rows of [target, expected] against a matcher over real requests;
 * returns the rows whose verdict differed (so a failure lists all of them).
 */
export async function mismatches(
  ts: TestServer,
  m: Matcher,
  rows: ReadonlyArray<readonly [string, boolean, Record<string, string | string[]>?]>,
  opts: Parameters<typeof raw>[3] = {},
): Promise<string[]> {
  ts.handle = (ctx) => m(ctx);
  const bad: string[] = [];
  for (const [target, want, headers] of rows) {
    const r = await raw(ts.port, target, headers ?? {}, opts);
    const got = r.status === 200 ? JSON.parse(r.body) : `status ${r.status}`;
    if (got !== want) bad.push(`${target} ${JSON.stringify(headers ?? {})}: expected ${want}, got ${got}`);
  }
  return bad;
}
