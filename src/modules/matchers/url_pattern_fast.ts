/**
 * The groups of a url_pattern match without URLPattern.exec(), which costs
 * 10-20 µs per call on Node 24 (it builds the whole result object) where
 * test() costs under 1 µs. For the common pattern shape only: relative, no
 * base_url, a pathname of fixed segments, whole-segment `:name` groups and
 * whole-segment `*` wildcards, nothing else. Such a pathname compiles to
 * the regular expression the spec's "generate a regular expression"
 * algorithm gives it (`:name` → `(?:/([^/]+?))`, `*` → `(?:/(.*))`), and
 * the `*://*:*` components' groups are the request's own scheme, host,
 * port and query, used as they are only when the URL parser would not
 * rewrite them (plain lower-case DNS names or dotted quads, canonical ports,
 * queries of unreserved characters). Anything else returns null and the
 * caller asks exec(): test() decides the match either way.
 */
import type { URLPattern } from 'node:url';
import type { Ctx } from '../../core/types.js';

/** Flat placeholder keys and values: [key, value, key, value ...]. */
export type Groups = string[];

/** The groups for a request test() matched, or null when exec() must say. */
export type FastGroups = (ctx: Ctx, path: string) => Groups | null;

const NAME = /^:[A-Za-z_$][A-Za-z0-9_$]*$/;
/** A fixed segment URLPattern left as written: no syntax, no escapes. */
const FIXED = /^[A-Za-z0-9\-._~!$&'@;=,%]*$/;
const HOST = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.?$/;
const NUMERIC_LAST_LABEL = /(^|\.)(0x[0-9a-f]*|[0-9]+)\.?$/;
const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const PORT = /^[1-9]\d{0,4}$/;
/** Query bytes the URL parser keeps as they are (special schemes). */
const QUERY = /^[A-Za-z0-9\-._~!$&()*+,;=:@/?%[\]^|]*$/;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

export function compileFastGroups(pattern: URLPattern, relativeAnyOrigin: boolean, ignoreCase: boolean, prefix: string): FastGroups | null {
  if (!relativeAnyOrigin || pattern.hasRegExpGroups) return null;
  for (const c of ['protocol', 'username', 'password', 'hostname', 'port', 'search', 'hash'] as const) if (pattern[c] !== '*') return null;
  const path = pattern.pathname;
  if (!path.startsWith('/')) return null;
  let src = '^';
  const keys: string[] = [];
  let unnamed = 0;
  for (const seg of path.slice(1).split('/')) {
    if (seg === '*') {
      src += '(?:/(.*))';
      keys.push(`${prefix}pathname.${unnamed++}`);
    } else if (NAME.test(seg)) {
      src += '(?:/([^\\/]+?))';
      keys.push(`${prefix}pathname.${seg.slice(1)}`);
    } else if (FIXED.test(seg)) {
      src += '/' + escapeRe(seg);
    } else return null;
  }
  const re = new RegExp(src + '$', ignoreCase ? 'iu' : 'u');
  const protocol0 = `${prefix}protocol.0`;
  const username0 = `${prefix}username.0`;
  const password0 = `${prefix}password.0`;
  const hostname0 = `${prefix}hostname.0`;
  const port0 = `${prefix}port.0`;
  const search0 = `${prefix}search.0`;
  const hash0 = `${prefix}hash.0`;

  return (ctx, escapedPath) => {
    const host = ctx.host;
    if (!HOST.test(host) || (NUMERIC_LAST_LABEL.test(host) && !DOTTED_QUAD.test(host))) return null;
    let port = ctx.port;
    if (port !== '') {
      if (!PORT.test(port) || Number(port) > 65535) return null;
      if (port === (ctx.scheme === 'https' ? '443' : '80')) port = '';
    }
    const query = ctx.query;
    if (!QUERY.test(query)) return null;
    const m = re.exec(escapedPath);
    if (m === null) return null;
    const out: Groups = [protocol0, ctx.scheme, username0, '', password0, '', hostname0, host, port0, port];
    for (let i = 0; i < keys.length; i++) out.push(keys[i]!, m[i + 1] ?? '');
    out.push(search0, query, hash0, '');
    return out;
  };
}
