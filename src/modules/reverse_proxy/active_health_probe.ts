/**
 * One active health probe: an HTTP request to an upstream (Caddy's
 * doActiveHealthCheck minus the bookkeeping) and its verdict. The probe's
 * own http.Client in Caddy has one timeout for the whole exchange, the body
 * included only when it is read (expect_body); redirects are followed only
 * with follow_redirects, always to the same upstream (Caddy's transport
 * dials the upstream whatever the URL says).
 */
import { type ClientRequest, type IncomingMessage, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { goErrnoText } from '../../go/errno.js';
import type { CompiledRegexp } from '../../go/regexp.js';
import type { UpstreamTLS } from './config_transport_tls.js';

/** Where and what to ask; built per probe from the settings and the upstream. */
export interface ProbeRequest {
  /** `{socketPath}` or `{host, port}`: always the upstream (or health_upstream). */
  target: { socketPath: string } | { host: string; port: number };
  scheme: 'http' | 'https';
  tls: UpstreamTLS | null;
  method: string;
  /** The URL's host: the Host header unless health_headers sets one. */
  authority: string;
  path: string;
  headers: OutgoingHttpHeaders;
  body: string;
  timeout: number;
  followRedirects: boolean;
  maxSize: number;
  expectStatus: number;
  expectBody: CompiledRegexp | null;
}

/** What Caddy logs for a failed probe (always at info); a pass is null. */
export interface ProbeFailure {
  msg: 'HTTP request failed' | 'unexpected status code' | 'status code out of tolerances' | 'failed to read response body' | 'response body failed expectations';
  status?: number;
  error?: string;
}

/** A probe under way: its verdict, and how to abandon it (the handler went away). */
export interface RunningProbe {
  readonly result: Promise<ProbeFailure | null>;
  cancel(): void;
}

/** Caddy's StatusCodeMatches: 2 matches any 2xx, 404 only 404. */
function statusMatches(status: number, expect: number): boolean {
  return expect < 100 ? Math.floor(status / 100) === expect : status === expect;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Go's url.String() of the probe, for error texts ("Get \"http://host/health\": ..."). */
function urlOf(p: ProbeRequest, path: string, authority: string): string {
  return `${p.scheme}://${authority}${path}`;
}

/** Go's wording of the method in client errors: "Get", "Post", "Head"... */
function goMethod(m: string): string {
  return m.length === 0 ? 'Get' : m[0]!.toUpperCase() + m.slice(1).toLowerCase();
}

/** Starts one probe; its result is null (healthy) or the failure to log. */
export function probe(p: ProbeRequest): RunningProbe {
  let cancel = () => {};
  const result = new Promise<ProbeFailure | null>((resolve) => {
    let settled = false;
    let current: ClientRequest | null = null;
    let res: IncomingMessage | null = null;
    let method = p.method;
    let path = p.path || '/';
    let authority = p.authority;
    let body = p.body;
    let redirects = 0;
    let phase: 'headers' | 'body' = 'headers';
    const finish = (f: ProbeFailure | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(f);
    };
    const fail = (err: string) =>
      finish(phase === 'headers' ? { msg: 'HTTP request failed', error: `${goMethod(method)} "${urlOf(p, path, authority)}": ${err}` } : { msg: 'failed to read response body', error: err });
    const timer = setTimeout(() => {
      fail(phase === 'headers' ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' : 'context deadline exceeded (Client.Timeout or context cancellation while reading body)');
      current?.destroy();
      res?.destroy();
    }, p.timeout);
    cancel = () => {
      current?.destroy();
      res?.destroy();
      finish(null);
    };

    const send = () => {
      const headers: OutgoingHttpHeaders = { ...p.headers, host: authority };
      if (body !== '') headers['content-length'] = Buffer.byteLength(body);
      const opts = {
        ...p.target,
        method,
        path,
        headers,
        setHost: false,
        // A fresh connection per probe: nothing idles between probes, and a restarted backend is seen at once.
        agent: false as const,
        ...(p.tls !== null ? tlsOptions(p) : {}),
      };
      const creq = (p.scheme === 'https' ? httpsRequest : httpRequest)(opts);
      current = creq;
      creq.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        const where = 'socketPath' in p.target ? `dial unix ${p.target.socketPath}` : `dial tcp ${hostPort(p.target.host, p.target.port)}`;
        const text = goErrnoText(err.code);
        fail(text !== undefined && err.syscall === 'connect' ? `${where}: ${text}` : text ?? err.message);
      });
      creq.on('response', (r) => onResponse(r));
      creq.end(body === '' ? undefined : body);
    };

    const onResponse = (r: IncomingMessage) => {
      res = r;
      // A body cut short after the verdict (or while drained) must not become an uncaught 'error'.
      r.on('error', () => {});
      const status = r.statusCode ?? 0;
      const location = r.headers.location;
      if (p.followRedirects && REDIRECTS.has(status) && location !== undefined && redirects < 10) {
        r.resume();
        redirects++;
        const next = new URL(location, urlOf(p, path, authority));
        authority = next.host;
        path = next.pathname + next.search;
        // Go's client: 301, 302 and 303 turn into a GET without a body (HEAD stays HEAD).
        if (status !== 307 && status !== 308) {
          if (method !== 'HEAD') method = 'GET';
          body = '';
        }
        send();
        return;
      }
      if (p.expectStatus > 0 ? !statusMatches(status, p.expectStatus) : status < 200 || status >= 300) {
        r.resume();
        finish({ msg: p.expectStatus > 0 ? 'unexpected status code' : 'status code out of tolerances', status });
        return;
      }
      if (p.expectBody === null) {
        // Passed; the rest of the body is drained (up to max_size), as Caddy does.
        finish(null);
        drain(r, p.maxSize);
        return;
      }
      phase = 'body';
      const chunks: Buffer[] = [];
      let size = 0;
      r.on('data', (c: Buffer) => {
        if (p.maxSize > 0 && size + c.length >= p.maxSize) {
          chunks.push(c.subarray(0, p.maxSize - size));
          size = p.maxSize;
          r.destroy();
          match();
          return;
        }
        chunks.push(c);
        size += c.length;
      });
      r.on('end', match);
      r.on('error', (err) => fail(err.message));
      // Cut before the end (and before max_size was reached): the body could not be read.
      r.on('close', () => fail('unexpected EOF'));
      function match() {
        if (settled) return;
        const text = Buffer.concat(chunks).toString('utf8');
        finish(p.expectBody!.test(text) ? null : { msg: 'response body failed expectations' });
      }
    };
    send();
  });
  return { result, cancel: () => cancel() };
}

function drain(r: IncomingMessage, maxSize: number): void {
  if (maxSize <= 0) {
    r.resume();
    return;
  }
  let n = 0;
  r.on('data', (c: Buffer) => {
    n += c.length;
    if (n >= maxSize) r.destroy();
  });
}

/** The transport's TLS, as transport.ts gives it to its agents: the probe trusts and presents what requests do. */
function tlsOptions(p: ProbeRequest): { rejectUnauthorized: boolean; servername?: string; ca?: string[]; cert?: string; key?: string } {
  const tls = p.tls!;
  const host = 'host' in p.target ? p.target.host : '';
  const servername = tls.serverName || (host !== '' && isIP(host) === 0 ? host : undefined);
  const { ca, cert, key } = tls;
  return { rejectUnauthorized: !tls.insecureSkipVerify, ...(servername !== undefined && { servername }), ...(ca && { ca }), ...(cert && key && { cert, key }) };
}

export function hostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
