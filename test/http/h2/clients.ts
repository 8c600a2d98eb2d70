// One request API over HTTP/1.1 (node:http / node:https) and HTTP/2
// (node:http2 over TLS, or h2c with prior knowledge), so a table of cases
// can run against every protocol and compare what a user would see.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';

export interface H2Reply {
  status: number;
  /** Lower-case names; pseudo-headers removed. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  trailers: Record<string, string | string[] | undefined>;
  /** The protocol the response came over: 'HTTP/1.1' or 'HTTP/2.0'. */
  proto: string;
}

export interface ReqOpts {
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

export interface Transport {
  readonly name: 'h1' | 'h2';
  request(path: string, opts?: ReqOpts): Promise<H2Reply>;
  close(): void;
}

export interface Target {
  port: number;
  /** The name to ask for (Host / :authority and SNI). */
  host: string;
  /** Trusted roots; absent: plain HTTP (h2 then means h2c prior knowledge). */
  ca?: Buffer;
}

function clean(h: IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(h)) if (!k.startsWith(':')) out[k] = v;
  return out;
}

export function h1(t: Target): Transport {
  return {
    name: 'h1',
    close() {},
    request(path, opts = {}) {
      return new Promise((resolve, reject) => {
        const base = { host: '127.0.0.1', port: t.port, path, method: opts.method ?? 'GET', headers: { host: `${t.host}:${t.port}`, ...opts.headers }, agent: false, timeout: 10_000 };
        const req = t.ca
          ? httpsRequest({ ...base, servername: t.host, ca: t.ca }, onRes)
          : httpRequest(base, onRes);
        function onRes(res: import('node:http').IncomingMessage): void {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            resolve({ status: res.statusCode!, headers: clean(res.headers), body, text: body.toString(), trailers: { ...res.trailers }, proto: `HTTP/${res.httpVersion}` });
          });
          res.on('error', reject);
        }
        req.on('error', reject);
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.end(opts.body);
      });
    },
  };
}

/** An HTTP/2 session (TLS with ALPN h2, or h2c prior knowledge), opened on first use and reused. */
export function h2(t: Target): Transport {
  let session: ClientHttp2Session | null = null;
  const open = (): ClientHttp2Session => {
    if (session && !session.closed && !session.destroyed) return session;
    const url = t.ca ? `https://${t.host}:${t.port}` : `http://${t.host}:${t.port}`;
    session = connect(url, t.ca ? { ca: t.ca, servername: t.host, host: '127.0.0.1', port: t.port } : { host: '127.0.0.1', port: t.port, lookup: (_h, _o, cb) => cb(null, '127.0.0.1', 4) });
    session.on('error', () => {});
    return session;
  };
  return {
    name: 'h2',
    close() {
      session?.close();
    },
    request(path, opts = {}) {
      return new Promise((resolve, reject) => {
        const s = open();
        const headers: Record<string, string | string[]> = { ':method': opts.method ?? 'GET', ':path': path, ...opts.headers };
        const req = s.request(headers, { endStream: opts.body === undefined });
        const chunks: Buffer[] = [];
        let status = 0;
        let resHeaders: Record<string, string | string[] | undefined> = {};
        let trailers: Record<string, string | string[] | undefined> = {};
        req.on('response', (h) => {
          status = Number(h[':status']);
          resHeaders = clean(h);
        });
        req.on('trailers', (h) => (trailers = clean(h)));
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status, headers: resHeaders, body, text: body.toString(), trailers, proto: 'HTTP/2.0' });
        });
        req.on('error', reject);
        req.on('close', () => {
          if (status === 0) reject(new Error(`stream closed without a response (code ${req.rstCode})`));
        });
        req.setTimeout(10_000, () => req.close(constants.NGHTTP2_CANCEL));
        if (opts.body !== undefined) req.end(opts.body);
      });
    },
  };
}
