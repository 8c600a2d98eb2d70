/**
 * The span attributes otelhttp 0.69 (semconv 1.41, what Caddy's tracing
 * emits) takes from a request when the span starts, in its order, and
 * from the response when it ends.
 */
import type { Ctx } from '../../core/types.js';
import type { Attributes } from './span.js';

const METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

/** otelhttp's SplitHostPort: host (unbracketed) and port, -1 when absent or unparsable. */
function splitHostPort(hostport: string): [string, number] {
  let host: string;
  let rest: string;
  if (hostport.startsWith('[')) {
    const end = hostport.lastIndexOf(']');
    if (end < 0) return ['', -1];
    host = hostport.slice(1, end);
    rest = hostport.slice(end + 1);
    if (rest === '') return [host, -1];
    if (!rest.startsWith(':')) return ['', -1];
    rest = rest.slice(1);
  } else {
    const i = hostport.lastIndexOf(':');
    if (i < 0) return [hostport, -1];
    host = hostport.slice(0, i);
    if (host.includes(':')) return ['', -1]; // net.SplitHostPort: too many colons
    rest = hostport.slice(i + 1);
  }
  if (!/^\d{1,5}$/.test(rest) || Number(rest) > 65535) return [host, -1];
  return [host, Number(rest)];
}

export function requestAttributes(ctx: Ctx): Attributes {
  const [host, port] = splitHostPort(ctx.hostport);
  const https = ctx.scheme === 'https';
  const attrs: Attributes = ['server.address', host];
  const method = ctx.method;
  if (METHODS.has(method)) attrs.push('http.request.method', method);
  else {
    const upper = method.toUpperCase();
    attrs.push('http.request.method', METHODS.has(upper) ? upper : '_OTHER');
  }
  attrs.push('url.scheme', ctx.scheme);
  if (port > 0 && port !== (https ? 443 : 80)) attrs.push('server.port', port);
  if (method !== '' && !METHODS.has(method)) attrs.push('http.request.method_original', method);
  if (ctx.remoteIP !== '') {
    attrs.push('network.peer.address', ctx.remoteIP);
    if (ctx.remotePort > 0) attrs.push('network.peer.port', ctx.remotePort);
  }
  const ua = ctx.req.headers['user-agent'];
  if (ua !== undefined && ua !== '') attrs.push('user_agent.original', ua);
  // X-Forwarded-For's first entry as sent (otelhttp trusts it), else the peer.
  const xff = ctx.req.headers['x-forwarded-for'];
  let client = typeof xff === 'string' ? xff.slice(0, xff.includes(',') ? xff.indexOf(',') : undefined) : '';
  if (client === '') client = ctx.remoteIP;
  if (client !== '') attrs.push('client.address', client);
  if (ctx.path !== '') attrs.push('url.path', ctx.path);
  const slash = ctx.proto.indexOf('/');
  if (slash >= 0) attrs.push('network.protocol.version', ctx.proto.slice(slash + 1));
  return attrs;
}
