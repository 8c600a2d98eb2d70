/**
 * Who may have an on-demand certificate: `apps.tls.automation.on_demand`
 * (caddytls.OnDemandConfig) with its `permission` module — only `http`
 * (caddytls.PermissionByHTTP) exists — or the deprecated `ask` field, which
 * means the same. Decoded at load (placeholders such as {env.X} in the
 * endpoint replaced then, an unknown or empty one refused, as Caddy does);
 * asked once per name a handshake needs a certificate for.
 *
 * The ask: GET <endpoint>?domain=NAME&ip=CLIENT_IP (the endpoint's own query
 * kept, keys sorted as Go's url.Values.Encode writes them), no redirects
 * followed, 10 s timeout; 2xx allows, any other status denies. `ip` is a
 * tsweb addition (Caddy #7733): Caddy sends `domain` only and logs the
 * client's address instead.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DecodeError, ObjectReader } from '../core/decode.js';
import type { EngineLog } from '../core/log.js';
import { compileTemplate, newReplacer } from '../core/replacer.js';
import { parseQuery, queryEscape } from '../go/url.js';

export interface OnDemandConfig {
  /** The permission endpoint (from `permission: {module: "http"}` or `ask`); null: none configured. */
  endpoint: string | null;
}

/** The client whose handshake wants the certificate (plain data: it may cross a thread). */
export interface HandshakeClient {
  remoteAddress?: string;
  remotePort?: number;
}

/** A non-2xx answer: the name is not allowed (remembered briefly), as opposed to a failure to ask. */
export class PermissionDeniedError extends Error {
  override name = 'PermissionDeniedError';
}

/** caddytls.OnDemandPermission. */
export interface OnDemandPermission {
  /** Resolves when a certificate for name may be loaded or obtained; PermissionDeniedError when not. */
  allowed(name: string, client: HandshakeClient): Promise<void>;
}

/** Caddy's ReplaceOrErr(endpoint, errOnEmpty, errOnUnknown) at provision. */
function replaceEndpoint(endpoint: string, path: string): string {
  try {
    return compileTemplate(endpoint, 'error', { errorOnEmpty: true })(newReplacer());
  } catch (err) {
    throw new DecodeError(path, `preparing 'ask' endpoint: ${(err as Error).message}`);
  }
}

function checkURL(endpoint: string, path: string): void {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    throw new DecodeError(path, `parsing ask URL: parse "${endpoint}": invalid URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new DecodeError(path, `parsing ask URL: unsupported protocol scheme "${u.protocol.slice(0, -1)}"`);
}

/** `automation.on_demand`; null when absent. */
export function decodeOnDemandConfig(json: unknown, path: string): OnDemandConfig | null {
  if (json === undefined || json === null) return null;
  const r = ObjectReader.of(json, path);
  const ask = r.str('ask', '');
  let endpoint: string | null = null;
  if (r.json.permission !== undefined && r.json.permission !== null) {
    if (ask !== '') throw new DecodeError(path, "on-demand TLS config conflict: both 'ask' endpoint and a 'permission' module are specified; 'ask' is deprecated, so use only the permission module");
    const p = r.obj('permission');
    const module = p.str('module', '');
    if (module !== 'http') throw new DecodeError(p.at('module'), `loading on-demand TLS permission module: loading module '${module}': unknown module: tls.permission.${module}`);
    const raw = p.str('endpoint', '');
    p.done();
    endpoint = replaceEndpoint(raw, p.at('endpoint'));
    checkURL(endpoint, p.at('endpoint'));
  } else if (ask !== '') {
    endpoint = replaceEndpoint(ask, r.at('ask'));
    checkURL(endpoint, r.at('ask'));
  }
  r.done();
  return { endpoint };
}

/** Go's url.Values.Encode: keys sorted, each value escaped. */
function encodeQuery(values: Map<string, string[]>): string {
  const out: string[] = [];
  for (const k of [...values.keys()].sort()) for (const v of values.get(k)!) out.push(`${queryEscape(k)}=${queryEscape(v)}`);
  return out.join('&');
}

/** The IP as Go prints it: an IPv4-mapped address as IPv4. */
export function clientIP(client: HandshakeClient): string {
  return (client.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.)/, '');
}

/** net.Conn.RemoteAddr().String(). */
export function remoteString(client: HandshakeClient): string {
  const ip = clientIP(client);
  if (ip === '') return '';
  return `${ip.includes(':') ? `[${ip}]` : ip}:${client.remotePort ?? 0}`;
}

const askTimeoutMs = 10_000;

/** caddytls.PermissionByHTTP. */
export class PermissionByHTTP implements OnDemandPermission {
  private readonly base: string;
  private readonly query: Map<string, string[]>;

  constructor(
    readonly endpoint: string,
    private readonly log: EngineLog,
  ) {
    const cut = endpoint.replace(/#.*$/s, '');
    const q = cut.indexOf('?');
    this.base = q < 0 ? cut : cut.slice(0, q);
    this.query = q < 0 ? new Map() : parseQuery(cut.slice(q + 1)).values;
  }

  /** The ask URL for one name and client. */
  urlFor(name: string, client: HandshakeClient): string {
    const values = new Map(this.query);
    values.set('domain', [name]);
    const ip = clientIP(client);
    if (ip !== '') values.set('ip', [ip]);
    return `${this.base}?${encodeQuery(values)}`;
  }

  async allowed(name: string, client: HandshakeClient): Promise<void> {
    const url = this.urlFor(name, client);
    const remote = remoteString(client);
    this.log('debug', 'tls.permission.http', 'asking permission endpoint', { remote, domain: name, url });
    let status: number;
    try {
      status = await get(url);
    } catch (err) {
      throw new Error(`checking ${this.endpoint} to determine if certificate for hostname '${name}' should be allowed: ${(err as Error).message}`, { cause: err });
    }
    this.log('debug', 'tls.permission.http', 'response from permission endpoint', { remote, domain: name, url, status });
    if (status < 200 || status > 299) {
      throw new PermissionDeniedError(`${name}: certificate not allowed by permission module ${this.endpoint} - non-2xx status code ${status}`);
    }
  }
}

/** One GET, body discarded; a redirect is an error (Caddy's ask client refuses to follow one). */
function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(url, { method: 'GET', agent: false, signal: AbortSignal.timeout(askTimeoutMs) }, (res: IncomingMessage) => {
      res.resume();
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location !== undefined) {
        reject(new Error(`Get "${res.headers.location}": following http redirects is not allowed`));
        return;
      }
      resolve(status);
    });
    req.on('error', (err: Error) => reject(err.name === 'AbortError' ? new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)') : err));
    req.end();
  });
}
