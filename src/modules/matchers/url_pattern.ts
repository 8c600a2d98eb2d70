/**
 * url_pattern (newer Caddy's MatchURLPattern): the request URL matches a
 * WHATWG URLPattern; named groups become
 * {http.url_pattern.<component>.<group>} (`pathname.id` for `/books/:id`).
 *
 * - A relative pattern without base_url matches any origin: it is prefixed
 *   with `*://*:*` (so the protocol, hostname and port groups are `0`); an
 *   absolute pattern or base_url also constrains scheme, host and port.
 * - The request is matched as Caddy builds it: the decoded path, cleaned
 *   (doubled slashes merged unless the pattern's own path has `//`),
 *   re-escaped the Go way, with the raw query, against `scheme://Host`.
 *
 * Node's URLPattern (global since Node 24, in the SEA too) is the spec's
 * algorithm, as is the Go port Caddy uses; it is compiled once here.
 * Per request: test() decides (~0.5 µs); the groups of a match come from
 * exec() (10-20 µs) or, for a URL matched recently, from a small cache.
 */
import { URLPattern, type URLPatternResult } from 'node:url';
import { ObjectReader } from '../../core/decode.js';
import { matcherModule } from '../../core/registry.js';
import type { Matcher } from '../../core/types.js';
import { cleanPath } from '../../go/path.js';
import { escapedPath } from '../../go/url.js';
import { compileFastGroups, type Groups } from './url_pattern_fast.js';

/** caddyhttp.MatchURLPattern's JSON. */
export interface MatchURLPatternConfig {
  pattern: string;
  base_url?: string;
  ignore_case?: boolean;
}

/** urlPatternPlaceholderPrefix. */
const PREFIX = 'http.url_pattern.';

const COMPONENTS = ['protocol', 'username', 'password', 'hostname', 'port', 'pathname', 'search', 'hash'] as const;

export function decodeURLPattern(json: unknown): MatchURLPatternConfig {
  const r = ObjectReader.of(json, '', 'caddyhttp.MatchURLPattern');
  const cfg: MatchURLPatternConfig = { pattern: r.str('pattern', '') };
  const base = r.str('base_url', '');
  if (base !== '') cfg.base_url = base;
  if (r.bool('ignore_case')) cfg.ignore_case = true;
  r.done();
  return cfg;
}

/** Compiles the pattern as Caddy's Provision does; throws Caddy's message for a bad one. */
export function compileURLPattern(cfg: MatchURLPatternConfig): { pattern: URLPattern; mergeSlashes: boolean } {
  const base = cfg.base_url ?? '';
  let input = cfg.pattern;
  if (base === '' && !input.includes('://')) input = '*://*:*' + input;
  const options = { ignoreCase: cfg.ignore_case === true };
  let pattern: URLPattern;
  try {
    pattern = base === '' ? new URLPattern(input, options) : new URLPattern(input, base, options);
  } catch (err) {
    // Node's message alone ("Failed to construct URLPattern") does not say which pattern.
    const what = base === '' ? JSON.stringify(cfg.pattern) : `${JSON.stringify(cfg.pattern)} with base_url ${JSON.stringify(base)}`;
    throw new Error(`unable to parse URL pattern: ${what}: ${(err as Error).message}`);
  }
  // Like the path matcher: empty segments collapse unless the pattern's own path relies on them.
  let patternPath = cfg.pattern;
  const scheme = patternPath.indexOf('://');
  if (scheme !== -1) {
    patternPath = patternPath.slice(scheme + 3);
    const slash = patternPath.indexOf('/');
    patternPath = slash === -1 ? '' : patternPath.slice(slash);
  }
  return { pattern, mergeSlashes: !patternPath.includes('//') };
}

function groupsOf(result: URLPatternResult): Groups {
  const out: Groups = [];
  for (const c of COMPONENTS) {
    const groups = result[c].groups;
    for (const name in groups) out.push(PREFIX + c + '.' + name, groups[name] ?? '');
  }
  return out;
}

// exec() costs 10-20 µs where test() costs under 1 µs (node 24 builds the
// whole result object): simple patterns get their groups from
// url_pattern_fast.ts, and the others keep the groups of recent matches per
// matcher, so a URL seen again costs a test() and a lookup.
const CACHE_MAX = 1024;
const CACHE_KEY_MAX = 1024;

function provision(cfg: MatchURLPatternConfig): Matcher {
  const { pattern, mergeSlashes } = compileURLPattern(cfg);
  const fast = compileFastGroups(pattern, cfg.base_url === undefined && !cfg.pattern.includes('://'), cfg.ignore_case === true, PREFIX);
  const cache = new Map<string, Groups>();
  return (ctx) => {
    // url.URL{Path: cleaned, RawQuery}.RequestURI(), as Caddy builds it.
    let path = escapedPath(cleanPath(ctx.path, mergeSlashes));
    if (path === '') path = '/';
    const uri = ctx.query === '' ? path : path + '?' + ctx.query;
    const base = ctx.scheme + '://' + ctx.hostport;
    try {
      if (!pattern.test(uri, base)) return false;
    } catch {
      // A Host that makes no base URL: nothing to match against.
      return false;
    }
    const key = base + ' ' + uri;
    let groups = fast === null ? cache.get(key) : (fast(ctx, path) ?? cache.get(key));
    if (groups === undefined) {
      const result = pattern.exec(uri, base);
      if (result === null) return false;
      groups = groupsOf(result);
      if (key.length <= CACHE_KEY_MAX) {
        if (cache.size >= CACHE_MAX) cache.clear();
        cache.set(key, groups);
      }
    }
    const repl = ctx.repl;
    for (let i = 0; i < groups.length; i += 2) repl.set(groups[i]!, groups[i + 1]!);
    return true;
  };
}

export const urlPatternMatcher = matcherModule('url_pattern', { decode: decodeURLPattern, provision });
