/**
 * The order in which handler directives run within a site block, the global
 * `order` option that changes it, and Caddy's sortRoutes.
 */
import type { Dispenser } from '../caddyfile/dispenser.js';
import { sliceStable } from '../go/sort.js';
import { directives, globalOptions, registerGlobalOption } from './registry.js';
import type { ConfigValue, RouteJSON } from './types.js';

/**
 * Caddy's defaultDirectiveOrder. `root` comes early because rewrites and the
 * file matcher depend on it; `header` precedes `redir` so headers can be set
 * on redirects; responders come last because they end the chain.
 */
export const DEFAULT_DIRECTIVE_ORDER: readonly string[] = [
  'tracing',

  // set variables that may be used by other directives
  'map',
  'vars',
  'fs',
  'root',
  'log_append',
  'skip_log', // deprecated, renamed to log_skip
  'log_skip',
  'log_name',

  'header',
  'copy_response_headers', // only in reverse_proxy's handle_response
  'request_body',

  'redir',

  // incoming request manipulation
  'method',
  'rewrite',
  'uri',
  'try_files',

  // middleware handlers; some wrap responses
  'basicauth', // deprecated, renamed to basic_auth
  'basic_auth',
  'forward_auth',
  'request_header',
  'encode',
  'push',
  'intercept',
  'templates',

  // special routing & dispatching directives
  'invoke',
  'handle',
  'handle_path',
  'route',

  // handlers that typically respond to requests
  'abort',
  'error',
  'copy_response', // only in reverse_proxy's handle_response
  'respond',
  'metrics',
  'reverse_proxy',
  'php_fastcgi',
  'file_server',
  'acme_server',
];

/** The default order plus the places tsweb's own directives registered for themselves. */
let baseOrder: readonly string[] = DEFAULT_DIRECTIVE_ORDER;

/**
 * Gives a directive that Caddy does not have (tsweb extensions) a default
 * place relative to a standard directive, like Caddy's RegisterDirectiveOrder,
 * so users need no `order` option to use it.
 */
export function registerDirectiveOrder(dir: string, position: 'before' | 'after', standardDir: string): void {
  if (baseOrder.includes(dir)) throw new Error(`directive '${dir}' already ordered`);
  const i = DEFAULT_DIRECTIVE_ORDER.includes(standardDir) ? baseOrder.indexOf(standardDir) : -1;
  if (i < 0) throw new Error(`'${standardDir}' must be a directive that exists in the standard distribution of Caddy`);
  const next = [...baseOrder];
  next.splice(position === 'before' ? i : i + 1, 0, dir);
  baseOrder = next;
}

/** The directive order in effect: the `order` option's result, or the default. */
export function directiveOrderOf(options: Record<string, unknown>): readonly string[] {
  const o = options['order'];
  if (Array.isArray(o) && o.every((x) => typeof x === 'string')) return o as string[];
  return baseOrder;
}

/**
 * order <directive> first|last|[before|after <other>]
 *
 * Returns the whole new order (it builds on the previous `order` lines).
 */
export function parseOrderOption(d: Dispenser, existing: unknown): string[] {
  d.next(); // option name
  if (!d.next()) throw d.argErr();
  const dirName = d.val();
  if (!directives.has(dirName)) throw d.err(`${dirName} is not a registered directive`);
  if (!d.next()) throw d.argErr();
  const pos = d.val();

  const base = Array.isArray(existing) ? (existing as string[]) : baseOrder;
  const newOrder = base.filter((x) => x !== dirName);
  switch (pos) {
    case 'first':
      if (d.nextArg()) throw d.argErr();
      return [dirName, ...newOrder];
    case 'last':
      if (d.nextArg()) throw d.argErr();
      return [...newOrder, dirName];
    case 'before':
    case 'after':
      break;
    default:
      throw d.err(`unknown positional '${pos}'`);
  }
  if (!d.nextArg()) throw d.argErr();
  const otherDir = d.val();
  if (d.nextArg()) throw d.argErr();
  let target = newOrder.indexOf(otherDir);
  if (target === -1) throw d.err(`directive '${otherDir}' not found`);
  if (pos === 'after') target++;
  newOrder.splice(target, 0, dirName);
  return newOrder;
}

// The options module may define `order` itself; this is the fallback so the
// option always works.
if (!globalOptions.has('order')) registerGlobalOption('order', parseOrderOption);

/** A route value that is a list of routes to keep together (Caddy's bare Subroute value). */
export function isRouteList(v: unknown): v is { routes: RouteJSON[] } {
  return !!v && typeof v === 'object' && Array.isArray((v as { routes?: unknown }).routes) && !('handle' in v) && !('handler' in v);
}

/**
 * Caddy's sortRoutes: by directive order; within one directive, a single
 * path matcher sorts longest first (but `/a` before `/a*`), otherwise routes
 * with a matcher go before routes without; `vars` is reversed so the most
 * specific match is applied last and wins.
 */
export function sortRoutes(routes: ConfigValue[], order: readonly string[]): void {
  const pos = new Map<string, number>();
  order.forEach((d, i) => pos.set(d, i));
  // Go's map lookup of an unknown directive yields 0.
  const posOf = (d: string | undefined) => pos.get(d ?? '') ?? 0;

  sliceStable(routes, (a, b) => {
    const iDir = a.directive;
    const jDir = b.directive;
    if (iDir !== jDir) return posOf(iDir) < posOf(jDir);

    if (isRouteList(a.value) || isRouteList(b.value)) return false;
    const iRoute = a.value as RouteJSON;
    const jRoute = b.value as RouteJSON;

    const singlePath = (r: RouteJSON): string[] | undefined => {
      if (r.match?.length !== 1) return undefined;
      const p = r.match[0]!['path'];
      return Array.isArray(p) ? (p as string[]) : undefined;
    };
    const iPM = singlePath(iRoute);
    const jPM = singlePath(jRoute);
    const iPathLen = iPM?.length === 1 ? iPM[0]!.length : 0;
    const jPathLen = jPM?.length === 1 ? jPM[0]!.length : 0;

    let sortByPath: boolean;
    if (iPathLen > 0 && jPathLen > 0) {
      // `/a` and `/a*`: the one without the wildcard is more specific
      if (iPM![0]!.replace(/\*$/, '') === jPM![0]!.replace(/\*$/, '')) sortByPath = iPathLen < jPathLen;
      else sortByPath = iPathLen > jPathLen;
    } else {
      sortByPath = (iRoute.match?.length ?? 0) > 0 && (jRoute.match?.length ?? 0) === 0;
    }
    return iDir === 'vars' ? !sortByPath : sortByPath;
  });
}
