/**
 * The parts of Go's net/url that decide what Caddy sees of a request target:
 * r.URL.Path (decoded), r.URL.RawPath (the sent form, kept only when it is
 * not the default encoding), r.URL.RawQuery, EscapedPath(), RequestURI(),
 * QueryEscape and ParseQuery. Node hands us the raw target; Caddy's matchers
 * and placeholders are defined on Go's view of it, so we compute that view
 * the same way (same errors, same escaping table).
 *
 * Also the part of url.Parse that reverse_proxy's upstream addresses go
 * through (`scheme://host:port[/path][?query][#fragment]`), with Go's error
 * texts, because Caddy's upstream errors quote them ("parse \"...\": invalid
 * port"). WHATWG's URL class accepts and normalizes far more than Go does,
 * so it cannot stand in for either.
 */

const HEX = '0123456789ABCDEF';
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function unhex(c: number): number {
  if (c <= 57) return c - 48;
  if (c <= 70) return c - 55;
  return c - 87;
}

export type Encoding = 'path' | 'pathSegment' | 'queryComponent';

/**
 * Go's unescape: decodes %XX (and '+' as space in query components).
 * Returns null for a malformed escape, as Go returns an EscapeError.
 * Decoded bytes are read as UTF-8 (invalid sequences become U+FFFD, where Go
 * would keep the raw bytes).
 */
export function unescape(s: string, mode: Encoding): string | null {
  const plus = mode === 'queryComponent';
  if (!s.includes('%') && !(plus && s.includes('+'))) return s;
  // Validate first, as Go does, so that a bad escape anywhere fails the whole string.
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 37) {
      if (i + 2 >= s.length || !isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) return null;
      i += 2;
    }
  }
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      bytes.push((unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2)));
      i += 2;
    } else if (c === 43 && plus) {
      bytes.push(32);
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      // Non-ASCII text in the raw string: keep its UTF-8 bytes.
      let j = i + 1;
      while (j < s.length && s.charCodeAt(j) >= 0x80 && s.charCodeAt(j) !== 37) j++;
      for (const b of utf8.encode(s.slice(i, j))) bytes.push(b);
      i = j - 1;
    }
  }
  return utf8Decoder.decode(Uint8Array.from(bytes));
}

/** url.PathUnescape (Go's encodePathSegment mode decodes like path mode). */
export function pathUnescape(s: string): string | null {
  return unescape(s, 'pathSegment');
}

/** url.QueryUnescape: like PathUnescape, and '+' is a space. */
export function queryUnescape(s: string): string | null {
  return unescape(s, 'queryComponent');
}

/** Go's shouldEscape for the modes Caddy uses. */
function shouldEscape(c: number, mode: Encoding): boolean {
  // §2.3 Unreserved characters (alphanum)
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57)) return false;
  switch (c) {
    case 45: // -
    case 95: // _
    case 46: // .
    case 126: // ~
      return false;
    case 36: // $
    case 38: // &
    case 43: // +
    case 44: // ,
    case 47: // /
    case 58: // :
    case 59: // ;
    case 61: // =
    case 63: // ?
    case 64: // @
      switch (mode) {
        case 'path':
          // Go allows everything but '?' in a whole path.
          return c === 63;
        case 'pathSegment':
          return c === 47 || c === 59 || c === 44 || c === 63;
        case 'queryComponent':
          return true;
      }
  }
  // Everything else must be escaped.
  return true;
}

/** Go's escape(s, mode): percent-encodes UTF-8 bytes with upper-case hex; ' ' is '+' in query components. */
export function escape(s: string, mode: Encoding): string {
  let needs = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || shouldEscape(c, mode)) {
      needs = true;
      break;
    }
  }
  if (!needs) return s;
  let out = '';
  for (const b of utf8.encode(s)) {
    if (b === 32 && mode === 'queryComponent') out += '+';
    else if (b >= 0x80 || shouldEscape(b, mode)) out += '%' + HEX[b >> 4] + HEX[b & 15];
    else out += String.fromCharCode(b);
  }
  return out;
}

/** url.QueryEscape. */
export function queryEscape(s: string): string {
  return escape(s, 'queryComponent');
}

/** url.PathEscape (a single path segment: '/' is escaped too). */
export function pathEscape(s: string): string {
  return escape(s, 'pathSegment');
}

/** Go's validEncoded(s, encodePath): may `s` stand for its decoding as the sent form? */
function validEncodedPath(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 33: case 36: case 38: case 39: case 40: case 41: case 42: case 43: case 44: case 59: case 61: case 58: case 64:
      // ! $ & ' ( ) * + , ; = : @
      case 91: case 93: // [ ]
      case 37: // %
        break;
      default:
        if (c >= 0x80 || shouldEscape(c, 'path')) return false;
    }
  }
  return true;
}

/**
 * URL.EscapedPath(): the sent form when it is a valid encoding of `path`,
 * otherwise Go's default encoding of `path`. A stale rawPath (one that no
 * longer decodes to `path`, e.g. after a rewrite forgot it) is ignored.
 */
export function escapedPath(path: string, rawPath?: string): string {
  if (rawPath && validEncodedPath(rawPath) && unescape(rawPath, 'path') === path) return rawPath;
  if (path === '*') return '*';
  return escape(path, 'path');
}

/** Go's setPath: the RawPath to keep for a sent path ('' when the default encoding reproduces it). */
export function rawPathFor(path: string, sent: string): string {
  return escape(path, 'path') === sent ? '' : sent;
}

/** URL.RequestURI() for a path-only URL: escaped path ('/' if empty) and `?query` when there is one. */
export function requestURI(path: string, rawPath: string | undefined, query: string, forceQuery = false): string {
  let result = escapedPath(path, rawPath);
  if (result === '') result = '/';
  if (forceQuery || query !== '') result += '?' + query;
  return result;
}

/** What Go's http server makes of a request target (ParseRequestURI). */
export interface RequestTarget {
  path: string;
  rawPath: string;
  query: string;
  /** The target ended in a lone '?' (Go's ForceQuery). */
  forceQuery: boolean;
  /** Host of an absolute-form target (`GET http://host/ HTTP/1.1`), which Go prefers over the Host header. */
  host: string;
}

/** Scheme per RFC 3986 (Go's getScheme): letters first, then letters, digits, + - . */
function schemeEnd(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) continue;
    if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) {
      if (i === 0) return -1;
      continue;
    }
    if (c === 58) return i === 0 ? -2 : i;
    return -1;
  }
  return -1;
}

/**
 * url.ParseRequestURI as Go's server runs it on the request line: null when
 * Go would answer 400 (control characters, bad escapes, a target that is
 * neither `*`, an absolute path nor an absolute URL).
 */
export function parseRequestTarget(target: string): RequestTarget | null {
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return null;
  }
  if (target === '*') return { path: '*', rawPath: '', query: '', forceQuery: false, host: '' };
  let rest = target;
  let scheme = '';
  const se = schemeEnd(rest);
  if (se === -2) return null; // "missing protocol scheme"
  if (se > 0) {
    scheme = rest.slice(0, se).toLowerCase();
    rest = rest.slice(se + 1);
  }
  let query = '';
  let forceQuery = false;
  const q = rest.indexOf('?');
  if (q >= 0 && q === rest.length - 1) {
    forceQuery = true;
    rest = rest.slice(0, q);
  } else if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let host = '';
  if (!rest.startsWith('/')) return null; // opaque or relative: "invalid URI for request"
  if (scheme !== '' && rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    const at = authority.lastIndexOf('@');
    host = at >= 0 ? authority.slice(at + 1) : authority;
    const decodedHost = unescape(host, 'path');
    if (decodedHost === null) return null;
    host = decodedHost;
  }
  const path = unescape(rest, 'path');
  if (path === null) return null;
  return { path, rawPath: rawPathFor(path, rest), query, forceQuery, host };
}

/**
 * url.ParseQuery: `&`-separated pairs, first '=' splits key and value, both
 * query-unescaped; pairs with ';' or bad escapes are skipped and reported
 * through `ok` (Caddy's query matcher refuses such query strings). Values
 * keep their order; keys keep first-seen order.
 */
export function parseQuery(query: string): { values: Map<string, string[]>; ok: boolean } {
  const values = new Map<string, string[]>();
  let ok = true;
  let rest = query;
  while (rest !== '') {
    const amp = rest.indexOf('&');
    let pair: string;
    if (amp >= 0) {
      pair = rest.slice(0, amp);
      rest = rest.slice(amp + 1);
    } else {
      pair = rest;
      rest = '';
    }
    if (pair.includes(';')) {
      ok = false;
      continue;
    }
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const k = queryUnescape(eq >= 0 ? pair.slice(0, eq) : pair);
    if (k === null) {
      ok = false;
      continue;
    }
    const v = queryUnescape(eq >= 0 ? pair.slice(eq + 1) : '');
    if (v === null) {
      ok = false;
      continue;
    }
    const list = values.get(k);
    if (list) list.push(v);
    else values.set(k, [v]);
  }
  return { values, ok };
}

// url.Parse, for upstream addresses (the adapter); never on the request path.

export interface GoURL {
  scheme: string;
  /** host[:port] as written, IPv6 literals still bracketed. */
  host: string;
  path: string;
  rawQuery: string;
  fragment: string;
  opaque: string;
}

export class GoURLError extends Error {}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  if (port[0] !== ':') return false;
  return /^\d*$/.test(port.slice(1));
}

/** Go's url.unescape for url.Parse's hosts, paths and fragments: `%XX` must be two hex digits; throws Go's error. */
function unescapeOrThrow(s: string, mode: 'host' | 'path' | 'fragment'): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      if (!isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) {
        throw new GoURLError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      }
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
      continue;
    }
    if (mode === 'host' && c.charCodeAt(0) < 0x80 && !/[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"]/.test(c)) {
      throw new GoURLError(`invalid character ${JSON.stringify(c)} in host name`);
    }
    out += c;
  }
  return out;
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new GoURLError("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new GoURLError(`invalid port ${JSON.stringify(colonPort)} after host`);
  } else {
    const i = host.lastIndexOf(':');
    if (i !== -1) {
      const colonPort = host.slice(i);
      if (!validOptionalPort(colonPort)) throw new GoURLError(`invalid port ${JSON.stringify(colonPort)} after host`);
    }
  }
  return unescapeOrThrow(host, 'host');
}

/** Splits `scheme:rest`; a leading non-letter means there is no scheme. */
function getScheme(raw: string): [string, string] {
  const end = schemeEnd(raw);
  if (end === -2) throw new GoURLError('missing protocol scheme');
  return end > 0 ? [raw.slice(0, end), raw.slice(end + 1)] : ['', raw];
}

function parseURL(raw: string): GoURL {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new GoURLError('net/url: invalid control character in URL');
  const u: GoURL = { scheme: '', host: '', path: '', rawQuery: '', fragment: '', opaque: '' };
  let rest: string;
  [u.scheme, rest] = getScheme(raw);
  u.scheme = u.scheme.toLowerCase();
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      u.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (u.scheme !== '') {
      u.opaque = rest;
      return u;
    }
    const segment = rest.split('/')[0]!;
    if (segment.includes(':')) throw new GoURLError('first path segment in URL cannot contain colon');
  }
  if ((u.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    const at = authority.lastIndexOf('@');
    u.host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  }
  u.path = unescapeOrThrow(rest, 'path');
  return u;
}

/** url.Parse: throws GoURLError with Go's `parse "<url>": <reason>` text. */
export function goParseURL(raw: string): GoURL {
  const hash = raw.indexOf('#');
  const withoutFrag = hash >= 0 ? raw.slice(0, hash) : raw;
  const frag = hash >= 0 ? raw.slice(hash + 1) : '';
  let u: GoURL;
  try {
    u = parseURL(withoutFrag);
  } catch (e) {
    throw new GoURLError(`parse ${JSON.stringify(withoutFrag)}: ${(e as Error).message}`);
  }
  if (frag !== '') {
    try {
      u.fragment = unescapeOrThrow(frag, 'fragment');
    } catch (e) {
      throw new GoURLError(`parse ${JSON.stringify(raw)}: ${(e as Error).message}`);
    }
  }
  return u;
}

/** URL.Hostname() and URL.Port(): the host without brackets, and the port if it is numeric. */
export function urlHostPort(u: GoURL): { hostname: string; port: string } {
  let host = u.host;
  let port = '';
  const colon = host.lastIndexOf(':');
  if (colon !== -1 && validOptionalPort(host.slice(colon))) {
    port = host.slice(colon + 1);
    host = host.slice(0, colon);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { hostname: host, port };
}
