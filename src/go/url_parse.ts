/**
 * The part of Go's net/url.Parse that upstream addresses go through
 * (`scheme://host:port[/path][?query][#fragment]`), with Go's error texts,
 * because Caddy's upstream errors quote them ("parse \"...\": invalid port").
 * WHATWG's URL class accepts and normalizes far more than Go does, so it
 * cannot stand in here.
 */

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

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

/** Go's url.unescape for hosts and paths: `%XX` must be two hex digits. */
function unescape(s: string, mode: 'host' | 'path' | 'fragment'): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      if (!isHex(s[i + 1]) || !isHex(s[i + 2])) {
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
  return unescape(host, 'host');
}

/** Splits `scheme:rest`; a leading non-letter means there is no scheme. */
function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new GoURLError('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

function parse(raw: string): GoURL {
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
  u.path = unescape(rest, 'path');
  return u;
}

/** url.Parse: throws GoURLError with Go's `parse "<url>": <reason>` text. */
export function goParseURL(raw: string): GoURL {
  const hash = raw.indexOf('#');
  const withoutFrag = hash >= 0 ? raw.slice(0, hash) : raw;
  const frag = hash >= 0 ? raw.slice(hash + 1) : '';
  let u: GoURL;
  try {
    u = parse(withoutFrag);
  } catch (e) {
    throw new GoURLError(`parse ${JSON.stringify(withoutFrag)}: ${(e as Error).message}`);
  }
  if (frag !== '') {
    try {
      u.fragment = unescape(frag, 'fragment');
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
