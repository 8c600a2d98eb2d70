/**
 * httpInclude's virtual request: Caddy runs it through the server's own
 * routes (server.ServeHTTP) with the original request's header, Host,
 * `Accept-Encoding: identity` and Caddy-Templates-Include counting the
 * depth. Here it goes to the listener the request came in on, over
 * loopback, so it takes the same routes (the access log shows it, as
 * Caddy's does); the body is read whole.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Ctx } from '../../core/types.js';
import { INCLUDE_HEADER, type IncludedResponse } from './context.js';

/** Fields that describe the original connection or body, not the virtual GET. */
const SKIP = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'expect', 'proxy-connection', 'http2-settings', 'accept-encoding', INCLUDE_HEADER.toLowerCase()]);

function targetOf(uri: string): string {
  const u = new URL(uri, 'http://localhost');
  return u.pathname + u.search;
}

export function fetchInclude(ctx: Ctx, uri: string, depth: number): Promise<IncludedResponse> {
  const socket = ctx.req.socket;
  const host = socket.localAddress;
  const port = socket.localPort;
  if (host === undefined || port === undefined) return Promise.reject(new Error('httpInclude: the listener has no address to reach it again'));
  const headers: Array<[string, string]> = [];
  const raw = ctx.req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name[0] === ':' || SKIP.has(name.toLowerCase())) continue;
    headers.push([name, raw[i + 1]!]);
  }
  headers.push(['Host', ctx.hostport], ['Accept-Encoding', 'identity'], [INCLUDE_HEADER, String(depth)], ['Connection', 'close']);
  const flat = headers.flat();
  const tls = ctx.scheme === 'https';
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const opts = { host: host.replace(/^::ffff:/, ''), port, method: 'GET', path: targetOf(uri), headers: flat, agent: false as const };
    const req = tls
      ? httpsRequest({ ...opts, servername: ctx.host === '' || /^[\d.:]+$/.test(ctx.host) ? undefined : ctx.host, rejectUnauthorized: false }, onResponse)
      : httpRequest(opts, onResponse);
    req.on('error', reject);
    req.end();
  });
}
