// A server per test file (real listener on loopback through the engine) and a
// node:http client that sends the request target exactly as written.
import { request } from 'node:http';
import { freePort, serve } from './net.js';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Header lines as sent, in order (name case preserved). */
  rawHeaders: string[];
  body: Buffer;
  text: string;
}

export interface Site {
  port: number;
  stop: () => Promise<void>;
}

/** Serves `routes` on one server on 127.0.0.1; stop() in afterAll. */
export async function site(routes: unknown[], extra: Record<string, unknown> = {}): Promise<Site> {
  const port = await freePort();
  const { stop } = await serve({ servers: { srv0: { listen: [`127.0.0.1:${port}`], routes, ...extra } } });
  return { port, stop };
}

export interface Req {
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer | Array<string | Buffer>;
  /** Pause between body chunks (a chunked upload). */
  gapMs?: number;
}

/** One request; the body is collected whole. Bounded by a 10 s timeout. */
export function send(port: number, path: string, opts: Req = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    const parts = opts.body === undefined ? [] : Array.isArray(opts.body) ? opts.body : [opts.body];
    if (opts.gapMs === undefined) {
      for (const p of parts) req.write(p);
      req.end();
      return;
    }
    let i = 0;
    const step = () => {
      if (req.destroyed) return;
      if (i >= parts.length) {
        req.end();
        return;
      }
      req.write(parts[i++]!);
      setTimeout(step, opts.gapMs);
    };
    step();
  });
}

export const respond = (body: string, extra: Record<string, unknown> = {}) => ({ handler: 'static_response', body, ...extra });
