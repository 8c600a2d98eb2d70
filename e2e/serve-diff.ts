// Shared harness for the differential serving tests: one Caddyfile is served
// by the real Caddy (Debian's 2.6.2, `caddy run`) and by `tsweb run`, each on
// its own free loopback ports, and the same requests are sent to both.
// Answers are normalized only where the difference is not one a user relies
// on (the server's name, the clock, connection management, how a length is
// framed); bodies are compared decoded.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { brotliDecompressSync, gunzipSync, zstdDecompressSync } from 'node:zlib';
import { freePort } from './cli-harness.js';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'tsweb');

export type Who = 'caddy' | 'tsweb';

export interface Req {
  /** Which site block of the Caddyfile ({{PORT:name}}) to ask; the first one by default. */
  site?: string;
  method?: string;
  /** Sent as-is on the request line (node's client does not normalize it). */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface Answer {
  status: number;
  /** Lower-cased names; repeated fields joined with "\n" in the order received. */
  headers: Record<string, string>;
  /** Decoded according to Content-Encoding, as UTF-8. */
  body: string;
}

/** Headers that legitimately differ: the server's name, the time, and connection management. */
const ignored = new Set(['date', 'server', 'connection', 'keep-alive', 'transfer-encoding']);

export { freePort };

/** The decoded body; a HEAD's empty body or a byte range of an encoded one stays as sent. */
function decode(body: Buffer, coding: string | undefined): Buffer {
  if (body.length === 0) return body;
  try {
    return decodeWhole(body, coding);
  } catch {
    return body;
  }
}

function decodeWhole(body: Buffer, coding: string | undefined): Buffer {
  switch (coding) {
    case 'gzip':
      return gunzipSync(body);
    case 'br':
      return brotliDecompressSync(body);
    case 'zstd':
      return zstdDecompressSync(body);
    default:
      return body;
  }
}

/** One request with node's http client, no agent (a fresh connection each time). */
export function fetchRaw(port: number, r: Req): Promise<Answer | 'dropped'> {
  return new Promise((res) => {
    const req = request({ host: '127.0.0.1', port, path: r.path, method: r.method ?? 'GET', headers: r.headers, agent: false }, (resp) => {
      const chunks: Buffer[] = [];
      resp.on('data', (d: Buffer) => chunks.push(d));
      resp.on('error', () => res('dropped'));
      resp.on('end', () => {
        const headers: Record<string, string> = {};
        for (let i = 0; i < resp.rawHeaders.length; i += 2) {
          const k = resp.rawHeaders[i]!.toLowerCase();
          if (ignored.has(k)) continue;
          headers[k] = k in headers ? `${headers[k]}\n${resp.rawHeaders[i + 1]}` : resp.rawHeaders[i + 1]!;
        }
        const coding = headers['content-encoding'];
        // Compressed lengths depend on the compressor; the decoded body is compared instead.
        if (coding) delete headers['content-length'];
        res({ status: resp.statusCode ?? 0, body: decode(Buffer.concat(chunks), coding).toString('utf8'), headers });
      });
    });
    req.on('error', () => res('dropped'));
    req.setTimeout(5000, () => req.destroy());
    req.end(r.body);
  });
}

function waitForPort(port: number, proc: ChildProcess, log: () => string): Promise<void> {
  const end = Date.now() + 10000;
  return new Promise((res, rej) => {
    const attempt = (): void => {
      if (proc.exitCode !== null) return rej(new Error(`exited early: ${log()}`));
      if (Date.now() > end) return rej(new Error(`never listened: ${log()}`));
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        res();
      });
      s.once('error', () => setTimeout(attempt, 100));
    };
    attempt();
  });
}

function launch(cmd: string, args: string[], cwd: string): { proc: ChildProcess; log: () => string } {
  const proc = spawn(cmd, args, { cwd, env: { PATH: process.env.PATH, HOME: cwd, XDG_DATA_HOME: cwd, XDG_CONFIG_HOME: cwd }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (d: string) => (log += d));
  return { proc, log: () => log };
}

export interface Pair {
  ports: Record<Who, Record<string, number>>;
  dir: string;
  ask(who: Who, r: Req): Promise<Answer | 'dropped'>;
  /** The same request to Caddy then tsweb. */
  both(r: Req): Promise<[Answer | 'dropped', Answer | 'dropped']>;
  stop(): Promise<void>;
}

function ensureBuilt(): void {
  if (existsSync(cli)) return;
  const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
}

/**
 * Serve `template` with both servers. `{{PORT:name}}` becomes a free port
 * (different for each server); `{{DIR}}` a scratch directory shared by both,
 * so file metadata (mtimes, sizes, ETags) is the same for both.
 */
export async function startPair(template: string, prepare?: (dir: string) => void): Promise<Pair> {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-diff-'));
  prepare?.(dir);
  const names = [...new Set([...template.matchAll(/\{\{PORT:(\w+)\}\}/g)].map((m) => m[1]!))];
  const ports: Record<Who, Record<string, number>> = { caddy: {}, tsweb: {} };
  const procs: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(procs.map((p) => new Promise((res) => {
      if (p.exitCode !== null || p.signalCode !== null) return res(null);
      p.once('exit', res);
      p.kill('SIGTERM');
      setTimeout(() => p.kill('SIGKILL'), 5000).unref();
    })));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const who of ['caddy', 'tsweb'] as const) {
      for (const n of names) ports[who][n] = await freePort();
      const text = template.replace(/\{\{PORT:(\w+)\}\}/g, (_m, n: string) => String(ports[who][n])).replaceAll('{{DIR}}', dir);
      const file = join(dir, `${who}.Caddyfile`);
      writeFileSync(file, text);
      const { proc, log } = who === 'caddy'
        ? launch('caddy', ['run', '--config', file, '--adapter', 'caddyfile'], dir)
        : launch(cli, ['run', '--config', file], dir);
      procs.push(proc);
      for (const n of names) await waitForPort(ports[who][n]!, proc, log);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const ask = (who: Who, r: Req): Promise<Answer | 'dropped'> => fetchRaw(ports[who][r.site ?? names[0]!]!, r);
  return {
    ports,
    dir,
    ask,
    both: async (r) => [await ask('caddy', r), await ask('tsweb', r)],
    stop,
  };
}

export const label = (r: Req): string => `${r.site ? `[${r.site}] ` : ''}${r.method ?? 'GET'} ${r.path}${r.headers ? ` ${JSON.stringify(r.headers)}` : ''}`;

/**
 * Sends `text` as-is on a fresh connection and returns what came back until
 * the server closed it (or 3 s passed): for request lines node's client
 * would not send (HTTP/1.0 without Host, absolute-form, asterisk-form).
 */
export function sendRawText(port: number, text: string): Promise<string> {
  return new Promise((res) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      res(got);
    };
    const timer = setTimeout(done, 3000);
    s.setEncoding('latin1');
    s.on('data', (d: string) => (got += d));
    s.on('end', done);
    s.on('error', done);
    s.write(text);
  });
}

/**
 * A raw HTTP/1.x response as status, headers and body, leaving out what
 * does not matter to a client: the headers that name the server or the
 * moment, header order and case (Go sorts and canonicalizes them), and the
 * version on the status line (Go echoes HTTP/1.0 to a 1.0 client, Node
 * always says HTTP/1.1; both are allowed).
 */
export function parseRawResponse(raw: string): { status: string; headers: string[]; body: string } {
  const at = raw.indexOf('\r\n\r\n');
  const head = at < 0 ? raw : raw.slice(0, at);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = lines
    .map((l) => l.replace(/^([^:]+):\s*/, (_m, k: string) => `${k.toLowerCase()}: `))
    .filter((l) => !/^(date|server|connection|keep-alive): /.test(l))
    .sort();
  return { status: statusLine.replace(/^HTTP\/1\.[01] /, ''), headers, body: at < 0 ? '' : raw.slice(at + 4) };
}
