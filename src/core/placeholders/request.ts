/**
 * Request placeholders (caddyhttp's addHTTPVarsToReplacer): http.request.*,
 * http.vars.*, http.response.header.*, http.error.*. Each key is analysed
 * once into a getter over the Ctx, so a compiled template does no string
 * switching per request. A getter returns undefined when Caddy reports the
 * key as unknown for this request (a cookie that is not there, tls.* on a
 * plain connection, http.error.* outside error routes), which matters to
 * templates that keep unknown placeholders as written.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createHash } from 'node:crypto';
import { goDuration } from '../../go/fmt.js';
import { base, ext, split } from '../../go/path.js';
import { parseQuery, queryEscape, requestURI } from '../../go/url.js';
import { addrString, joinHostPort, maskedPrefix, parseAddr, prefixString, socketAddress, splitHostPort } from '../../net/ip.js';
import { goStatusText } from '../../go/statustext.js';
import type { Ctx } from '../types.js';

/** Resolves one placeholder for a request; undefined = unknown. */
export type RequestGetter = (ctx: Ctx) => unknown;

/** r.Host: as sent, port included. */
export function requestHostport(ctx: Ctx): string {
  return ctx.hostport;
}

/** All values of a request header, one per field line, as Go's Header map holds them. */
export function headerValues(req: IncomingMessage, lowerName: string): string[] {
  const distinct = (req as { headersDistinct?: Record<string, string[] | undefined> }).headersDistinct;
  if (distinct !== undefined) return distinct[lowerName] ?? [];
  const v = req.headers[lowerName];
  return v === undefined ? [] : Array.isArray(v) ? v : [String(v)];
}

/** The query string parsed once per distinct query per request (url.Values). */
const parsedQueries = new WeakMap<Ctx, { query: string; values: Map<string, string[]> }>();

export function queryValues(ctx: Ctx): Map<string, string[]> {
  const cached = parsedQueries.get(ctx);
  if (cached !== undefined && cached.query === ctx.query) return cached.values;
  const values = parseQuery(ctx.query).values;
  parsedQueries.set(ctx, { query: ctx.query, values });
  return values;
}

// Cookie names are HTTP tokens; values are Go's validCookieValueByte set.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function validCookieValue(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 34 || c === 59 || c === 92) return false;
  }
  return true;
}

/** The first cookie named `name` (case-insensitively, as Caddy compares), per Go's readCookies; undefined if none. */
export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const line of headerValues(req, 'cookie')) {
    for (let part of line.split(';')) {
      part = part.trim();
      if (part === '') continue;
      const eq = part.indexOf('=');
      const n = (eq >= 0 ? part.slice(0, eq) : part).trim();
      if (!TOKEN.test(n)) continue;
      let v = eq >= 0 ? part.slice(eq + 1) : '';
      if (v.length > 1 && v[0] === '"' && v[v.length - 1] === '"') v = v.slice(1, -1);
      if (!validCookieValue(v)) continue;
      if (n.toLowerCase() === name.toLowerCase()) return v;
    }
  }
  return undefined;
}

/** Go's strconv.Atoi on a placeholder suffix: an int, or null. */
function atoi(s: string): number | null {
  return /^[+-]?\d+$/.test(s) ? Number(s) : null;
}

/** "8080" → 8080, as Caddy returns ports (an int when it parses, else the string). */
function portValue(port: string): number | string {
  const n = atoi(port);
  return n === null ? port : n;
}

function pathParts(p: string): string[] {
  const parts = p.split('/');
  if (parts.length > 0 && parts[0] === '') parts.shift();
  return parts;
}

function tlsSocket(ctx: Ctx): TLSSocket | null {
  const s = ctx.req.socket as Partial<TLSSocket> | undefined;
  return s && s.encrypted ? (s as TLSSocket) : null;
}

/** caddytls.ProtocolName: "tls1.3" for Node's "TLSv1.3". */
function tlsVersionName(v: string | null): string {
  if (!v) return '';
  const m = /^TLSv(\d)(?:\.(\d))?$/.exec(v);
  return m ? `tls${m[1]}.${m[2] ?? '0'}` : v;
}

/** pkix.Name.String() for Node's certificate subject object: RDNs in reverse, "CN=a,O=b". */
function distinguishedName(o: Record<string, string | string[]> | undefined): string {
  if (!o) return '';
  const order = ['C', 'ST', 'L', 'O', 'OU', 'CN', 'serialNumber', 'street', 'postalCode'];
  const parts: string[] = [];
  for (const k of Object.keys(o).sort((a, b) => order.indexOf(a) - order.indexOf(b))) {
    const vals = Array.isArray(o[k]) ? (o[k] as string[]) : [o[k] as string];
    for (const v of vals) parts.push(`${k === 'serialNumber' ? 'SERIALNUMBER' : k === 'street' ? 'STREET' : k === 'postalCode' ? 'POSTALCODE' : k}=${v}`);
  }
  return parts.reverse().join(',');
}

/** http.request.tls.* (only on TLS connections; unknown otherwise, as in Caddy). */
function tlsKey(field: string): RequestGetter {
  const f = field.toLowerCase();
  return (ctx) => {
    const s = tlsSocket(ctx);
    if (s === null) return undefined;
    switch (f) {
      case 'version':
        return tlsVersionName(s.getProtocol());
      case 'cipher_suite':
        return s.getCipher()?.standardName ?? '';
      case 'resumed':
        return s.isSessionReused();
      case 'proto':
        return s.alpnProtocol || '';
      case 'proto_mutual':
        return true;
      case 'server_name':
        return (s as { servername?: string | false }).servername || '';
    }
    if (!f.startsWith('client.')) return undefined;
    const cert = s.getPeerCertificate();
    if (!cert || !cert.raw) return undefined;
    switch (f) {
      case 'client.fingerprint':
        return createHash('sha256').update(cert.raw).digest('hex');
      case 'client.issuer':
        return distinguishedName(cert.issuer as unknown as Record<string, string>);
      case 'client.subject':
        return distinguishedName(cert.subject as unknown as Record<string, string>);
      case 'client.serial':
        return BigInt('0x' + cert.serialNumber).toString();
      case 'client.certificate_pem':
        return `-----BEGIN CERTIFICATE-----\n${cert.raw.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
      case 'client.certificate_der_base64':
        return cert.raw.toString('base64');
    }
    if (f.startsWith('client.san.')) {
      const sans = (cert.subjectaltname ?? '').split(', ').filter(Boolean);
      const pick = (prefix: string) => sans.filter((x) => x.startsWith(prefix)).map((x) => x.slice(prefix.length));
      const m = /^client\.san\.(dns_names|emails|ips|uris)(?:\.(\d+))?$/.exec(f);
      if (!m) return undefined;
      const list = pick({ dns_names: 'DNS:', emails: 'email:', ips: 'IP Address:', uris: 'URI:' }[m[1] as 'dns_names']);
      if (m[2] === undefined) return list;
      return list[Number(m[2])] ?? null;
    }
    return undefined;
  };
}

/** The HandlerError.Error() text Caddy puts in {http.error}: "{id=ID}: HTTP 404: message". */
function errorString(ctx: Ctx): string {
  const e = ctx.error!;
  let s = `{id=${e.id}}`;
  if (e.status) s += `: HTTP ${e.status}`;
  if (e.message) s += `: ${e.message}`;
  return s.trim();
}

function errorKey(key: string): RequestGetter | null {
  switch (key) {
    case 'http.error':
      return (ctx) => (ctx.error ? errorString(ctx) : undefined);
    case 'http.error.status_code':
      return (ctx) => ctx.error?.status;
    case 'http.error.status_text':
      return (ctx) => (ctx.error ? goStatusText(ctx.error.status) : undefined);
    case 'http.error.message':
      // Go: Err.Error() when the HandlerError wraps an error (even an empty one, as `error 500`
      // does), the status text only when it wraps none; a cause stands for the wrapped error.
      return (ctx) => (ctx.error ? (ctx.error.message !== '' || ctx.error.cause !== undefined ? ctx.error.message : goStatusText(ctx.error.status)) : undefined);
    case 'http.error.id':
      return (ctx) => ctx.error?.id;
    case 'http.error.trace':
      // Caddy names the Go function that raised the error; there is no equivalent here.
      return (ctx) => (ctx.error ? '' : undefined);
  }
  return null;
}

/** The getter for an http.* key, or null when Caddy never knows it (only set() values can answer). */
export function requestKey(key: string): RequestGetter | null {
  if (!key.startsWith('http.')) return null;

  if (key.startsWith('http.request.uri.query.')) {
    const name = key.slice('http.request.uri.query.'.length);
    return (ctx) => queryValues(ctx).get(name)?.join(',') ?? '';
  }
  if (key.startsWith('http.request.header.')) {
    const field = key.slice('http.request.header.'.length).toLowerCase();
    // Go moves Host out of the header map: {http.request.header.Host} is always empty.
    if (field === 'host') return () => '';
    return (ctx) => headerValues(ctx.req, field).join(',');
  }
  if (key.startsWith('http.request.cookie.')) {
    const name = key.slice('http.request.cookie.'.length);
    return (ctx) => cookieValue(ctx.req, name);
  }
  if (key.startsWith('http.request.tls.')) return tlsKey(key.slice('http.request.tls.'.length));

  switch (key) {
    case 'http.request.method':
      return (ctx) => ctx.method;
    case 'http.request.scheme':
      return (ctx) => ctx.scheme;
    case 'http.request.proto':
      return (ctx) => ctx.proto;
    case 'http.request.host':
      return (ctx) => {
        const hp = requestHostport(ctx);
        return splitHostPort(hp)?.[0] ?? hp;
      };
    case 'http.request.port':
      return (ctx) => portValue(splitHostPort(requestHostport(ctx))?.[1] ?? '');
    case 'http.request.hostport':
      return requestHostport;
    case 'http.request.local':
      return (ctx) => {
        const s = ctx.req.socket;
        return s?.localAddress ? joinHostPort(socketAddress(s.localAddress), s.localPort ?? '') : '';
      };
    case 'http.request.local.host':
      return (ctx) => socketAddress(ctx.req.socket?.localAddress);
    case 'http.request.local.port':
      return (ctx) => ctx.req.socket?.localPort ?? '';
    case 'http.request.remote':
      return (ctx) => joinHostPort(ctx.remoteIP, ctx.remotePort);
    case 'http.request.remote.host':
      return (ctx) => ctx.remoteIP;
    case 'http.request.remote.port':
      return (ctx) => ctx.remotePort;
    case 'http.request.uri':
      return (ctx) => requestURI(ctx.path, ctx.rawPath, ctx.query, ctx.forceQuery);
    case 'http.request.uri_escaped':
      return (ctx) => queryEscape(requestURI(ctx.path, ctx.rawPath, ctx.query, ctx.forceQuery));
    case 'http.request.uri.path':
      return (ctx) => ctx.path;
    case 'http.request.uri.path_escaped':
      return (ctx) => queryEscape(ctx.path);
    case 'http.request.uri.path.file':
      return (ctx) => split(ctx.path)[1];
    case 'http.request.uri.path.dir':
      return (ctx) => split(ctx.path)[0];
    case 'http.request.uri.path.file.base':
      return (ctx) => {
        const b = base(ctx.path);
        const e = ext(ctx.path);
        return e !== '' && b.endsWith(e) ? b.slice(0, -e.length) : b;
      };
    case 'http.request.uri.path.file.ext':
      return (ctx) => ext(ctx.path);
    case 'http.request.uri.query':
      return (ctx) => ctx.query;
    case 'http.request.uri.query_escaped':
      return (ctx) => queryEscape(ctx.query);
    case 'http.request.uri.prefixed_query':
      return (ctx) => (ctx.query === '' ? '' : '?' + ctx.query);
    case 'http.request.duration':
      return (ctx) => goDuration(process.hrtime.bigint() - ctx.start);
    case 'http.request.duration_ms':
      return (ctx) => Number(process.hrtime.bigint() - ctx.start) / 1e6;
    case 'http.request.uuid':
      return (ctx) => ctx.id;
    case 'http.request.body':
      // Reading the body needs I/O; placeholders are synchronous. Not supported yet.
      return null;
    case 'http.request.orig_method':
      return (ctx) => ctx.origMethod;
    case 'http.request.orig_uri':
      return (ctx) => ctx.origURI;
    case 'http.request.orig_uri.path':
      return (ctx) => ctx.origPath;
    case 'http.request.orig_uri.path.file':
      return (ctx) => split(ctx.origPath)[1];
    case 'http.request.orig_uri.path.dir':
      return (ctx) => split(ctx.origPath)[0];
    case 'http.request.orig_uri.query':
      return (ctx) => ctx.origQuery;
    case 'http.request.orig_uri.prefixed_query':
      return (ctx) => (ctx.origQuery === '' ? '' : '?' + ctx.origQuery);
    case 'http.shutting_down':
      return () => false;
    case 'http.time_until_shutdown':
      return () => null;
  }

  // {http.request.remote.host/24} or /V4,V6: the client's network (experimental in Caddy).
  if (key.startsWith('http.request.remote.host/')) {
    const [v4s, v6s] = key.slice('http.request.remote.host/'.length).split(',', 2) as [string, string | undefined];
    return (ctx) => {
      const addr = parseAddr(ctx.remoteIP);
      if (addr === null) return ctx.remoteIP;
      const bits = atoi(addr.bytes.length === 16 && v6s !== undefined ? v6s : v4s);
      if (bits === null) return '';
      const p = maskedPrefix(addr, bits);
      return p === null ? '' : prefixString(p);
    };
  }

  if (key.startsWith('http.request.host.labels.')) {
    const idx = atoi(key.slice('http.request.host.labels.'.length));
    if (idx === null || idx < 0) return null;
    return (ctx) => {
      const hp = requestHostport(ctx);
      const labels = (splitHostPort(hp)?.[0] ?? hp).split('.');
      return idx >= labels.length ? '' : labels[labels.length - idx - 1];
    };
  }
  if (key.startsWith('http.request.uri.path.')) {
    const idx = atoi(key.slice('http.request.uri.path.'.length));
    if (idx === null || idx < 0) return null;
    return (ctx) => pathParts(ctx.path)[idx] ?? '';
  }
  if (key.startsWith('http.request.orig_uri.path.')) {
    const idx = atoi(key.slice('http.request.orig_uri.path.'.length));
    if (idx === null || idx < 0) return null;
    return (ctx) => pathParts(ctx.origPath)[idx] ?? '';
  }
  if (key.startsWith('http.vars.')) {
    const name = key.slice('http.vars.'.length);
    // Variables may be set later in the chain: always known, null when unset.
    return (ctx) => {
      const v = ctx.vars.get(name);
      return v === undefined ? null : v;
    };
  }
  if (key.startsWith('http.response.header.')) {
    const field = key.slice('http.response.header.'.length).toLowerCase();
    return (ctx) => {
      const v = ctx.w.getHeader(field);
      return v === undefined ? '' : Array.isArray(v) ? v.join(',') : String(v);
    };
  }
  if (key === 'http.error' || key.startsWith('http.error.')) return errorKey(key);
  return null;
}

/** The client's address text as Go's netip prints it (used by callers that normalise header IPs). */
export function canonicalIP(s: string): string {
  const a = parseAddr(s);
  return a ? addrString(a) : s;
}
