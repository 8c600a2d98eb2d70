/**
 * Caddyfile server blocks → Caddy JSON (Caddy's httpcaddyfile ServerType.Setup):
 * global options, named routes, matcher definitions and directives per site,
 * listeners (addresses.ts), one server per pairing of listeners and sites,
 * then the http/tls/pki apps, logging, admin and storage.
 */
import { Dispenser } from '../caddyfile/dispenser.js';
import { CaddyfileError } from '../caddyfile/errors.js';
import type { ServerBlock } from '../caddyfile/parser.js';
import type { Token } from '../caddyfile/token.js';
import {
  consolidateAddrMappings,
  hostsFromKeys,
  httpPortOf,
  httpsPortOf,
  listenersUseAnyPortOtherThan,
  mapAddressToProtocolToServerBlocks,
  type MappedBlock,
  type ParsedSiteBlock,
} from './addresses.js';
import { buildLogging } from './customlogs.js';
import './directives/index.js';
import { orderKeys, sortedKeys } from '../go/json.js';
import { sliceStable, sortStrings } from '../go/sort.js';
import { Helper, type AdaptState } from './helper.js';
import { parseMatcherDefinition, parseNestedMatcherSet } from './matchers/index.js';
import './order.js';
import { AppOption } from './options/app.js';
import type { NamedCustomLog, Pairing, SiteBlock } from './pairing.js';
import { directives, globalOptions } from './registry.js';
import { applyServerOptions, type ServerOptions } from './serveroptions.js';
import { applyShorthandsToSegment } from './shorthands.js';
import {
  buildSubroute,
  evalDirective,
  parseSegmentAsSubroute,
  subrouteHandler,
  consolidateRoutes,
} from './subroute.js';
import { suggestDirective } from './suggest.js';
import { connPolicySettingsEmpty, consolidateConnPolicies, shieldFromWildcardClientAuth, withoutKey } from './tls/connection_policies.js';
import { buildPKIApp, buildTLSApp } from './tlsapp.js';
import type { ConfigValue, HandlerJSON, JSONObject, MatcherSet, RouteJSON, Warning } from './types.js';

/** Pile class under which `invoke` records the named routes a site uses. */
export const NAMED_ROUTE_KEY = 'named_route';

export interface SetupResult {
  config: JSONObject;
  warnings: Warning[];
}

/** Adapts parsed server blocks; throws (CaddyfileError or Error) with Caddy's messages. */
export function setup(inputBlocks: ServerBlock[], options: Record<string, unknown> = {}, warnings: Warning[] = []): SetupResult {
  const shared: AdaptState = {
    options,
    warnings,
    groupCounter: { n: 0 },
    parseSegmentAsSubroute,
    parseMatcherSet: (h) => parseNestedMatcherSet(h),
  };
  // Caddy shares one state map across all blocks (e.g. log0, log1... and cert tags).
  const state: Record<string, unknown> = {};

  for (const sb of inputBlocks) {
    const k = sb.keys[0];
    if (k && !sb.isNamedRoute && k.text.startsWith('@')) {
      throw CaddyfileError.at(k, `${k.file}:${k.line}: cannot define a matcher outside of a site block: '${k.text}'`);
    }
    for (const key of sb.isNamedRoute ? [] : sb.keys) {
      if (directives.has(key.text)) {
        throw CaddyfileError.at(
          key,
          `${key.file}:${key.line}: parsed '${key.text}' as a site address, but it is a known directive; directives must appear in a site block`,
        );
      }
    }
  }

  let blocks = evaluateGlobalOptionsBlock(inputBlocks, options);

  // Tokens are copied per segment so shorthand expansion never leaks between adaptations.
  blocks = blocks.map((b) => ({ ...b, segments: b.segments.map((s) => s.slice()) }));

  blocks = extractNamedRoutes(blocks, shared);

  const siteBlocks: ParsedSiteBlock[] = [];
  for (const block of blocks) {
    for (const seg of block.segments) applyShorthandsToSegment(seg);
    if (block.keys.length === 0) {
      throw new Error('server block without any key is global configuration, and if used, it must be first');
    }
    const pile: Record<string, ConfigValue[]> = {};
    const matcherDefs: Record<string, MatcherSet> = {};
    for (const seg of block.segments) {
      if (seg[0]!.text.startsWith('@')) parseMatcherDefinition(new Dispenser(seg), matcherDefs);
    }
    const h = new Helper([], shared, matcherDefs, block, state);
    for (const seg of block.segments) {
      const dir = seg[0]!.text;
      if (dir.startsWith('@')) continue;
      if (!directives.has(dir)) {
        const t = seg[0]!;
        let msg = `${t.file}:${t.line}: unrecognized directive: ${dir}${suggestDirective(dir)}`;
        if (!block.hasBraces) {
          msg +=
            '\nDid you mean to define a second site? If so, you must use curly braces around each site to separate their configurations.';
        }
        throw CaddyfileError.at(t, msg);
      }
      for (const r of evalDirective(h, dir, seg)) (pile[r.class] ??= []).push(r);
      collectInvokedNamedRoutes(state, pile);
    }
    siteBlocks.push({ block, pile });
    warnHTTPOnlyTLS(block, pile, warnings);
  }

  const pairings = consolidateAddrMappings(mapAddressToProtocolToServerBlocks(siteBlocks, options));

  const servers = serversFromPairings(pairings, options, warnings, shared.groupCounter);

  // `servers { metrics }` is deprecated; it is hoisted into the app-wide setting.
  let metrics = options['metrics'] as JSONObject | undefined;
  for (const s of Object.values(servers)) {
    if (s.metrics) {
      // as in Caddy, only per_host survives the merge
      const perHost = !!metrics?.per_host || !!s.metrics.per_host;
      metrics = perHost ? { per_host: true } : {};
      delete s.metrics;
    }
  }

  const httpApp: JSONObject = {};
  setIfNumber(httpApp, 'http_port', options['http_port'], warnings, 'not an integer type');
  setIfNumber(httpApp, 'https_port', options['https_port'], warnings, 'not an integer type');
  setIfNumber(httpApp, 'grace_period', options['grace_period'], warnings, 'not a duration type');
  setIfNumber(httpApp, 'shutdown_delay', options['shutdown_delay'], warnings, 'not a duration type');
  httpApp.servers = servers;
  if (metrics) httpApp.metrics = metrics;
  // tsweb's `workers` option (src/adapt/options/workers.ts)
  if (options['workers'] !== undefined) httpApp.workers = options['workers'] as number | string;

  const tlsApp = buildTLSApp(pairings, options, warnings);
  const pkiApp = buildPKIApp(pairings, options, warnings);

  const globalLogs = Array.isArray(options['log']) ? (options['log'] as ConfigValue[]).map((v) => v.value as NamedCustomLog) : [];
  const siteLogs: NamedCustomLog[] = [];
  for (const p of pairings) {
    for (const sb of p.serverBlocks) for (const cv of sb.pile['custom_log'] ?? []) siteLogs.push(cv.value as NamedCustomLog);
  }
  const logging = buildLogging(globalLogs, siteLogs, options['debug'] !== undefined);

  const apps: JSONObject = {};
  for (const opt of Object.values(options)) {
    if (opt instanceof AppOption) apps[opt.name] = opt.value;
  }
  if (Object.keys(servers).length > 0) apps.http = httpApp;
  if (tlsApp && Object.keys(tlsApp).length > 0) apps.tls = tlsApp;
  if (pkiApp && Object.keys(pkiApp).length > 0) apps.pki = pkiApp;
  if (options['filesystem'] && typeof options['filesystem'] === 'object') apps['caddy.filesystems'] = options['filesystem'];

  const cfg: JSONObject = {};
  let admin = options['admin'] as JSONObject | undefined;
  if (options['persist_config'] === 'off') {
    admin = { ...(admin ?? {}) };
    admin.config = { ...((admin.config as JSONObject | undefined) ?? {}), persist: false };
  }
  if (admin) cfg.admin = admin;
  if (logging) cfg.logging = logging;
  if (options['storage']) cfg.storage = options['storage'];
  const appNames = sortStrings(Object.keys(apps));
  if (appNames.length) cfg.apps = Object.fromEntries(appNames.map((n) => [n, apps[n]]));
  return { config: cfg, warnings };
}

/** A site whose every address is http:// never does TLS, so its `tls` settings are dead config. */
function warnHTTPOnlyTLS(block: ServerBlock, pile: Record<string, ConfigValue[]>, warnings: Warning[]): void {
  if (!block.keys.every((k) => /^http:\/\//i.test(k.text))) return;
  if (!Object.keys(pile).some((c) => c.startsWith('tls.'))) return;
  const k = block.keys[0]!;
  warnings.push({
    file: k.file,
    line: k.line,
    message: `Site block [${block.keys.map((t) => t.text).join(' ')}] uses only http:// addresses, so its TLS settings have no effect`,
  });
}

function setIfNumber(o: JSONObject, key: string, v: unknown, warnings: Warning[], msg: string): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'number') {
    warnings.push({ message: msg });
    return;
  }
  if (v !== 0) o[key] = v;
}

/** The first block without keys holds the global options; each line is evaluated by its registered parser. */
function evaluateGlobalOptionsBlock(blocks: ServerBlock[], options: Record<string, unknown>): ServerBlock[] {
  const first = blocks[0];
  if (!first || first.keys.length > 0 || first.isNamedRoute) return blocks;

  for (const segment of first.segments) {
    const t = segment[0]!;
    const opt = t.text;
    const parse = globalOptions.get(opt);
    if (!parse) throw CaddyfileError.at(t, `${t.file}:${t.line}: unrecognized global option: ${opt}`);
    let val: unknown;
    try {
      val = parse(new Dispenser(segment), options[opt]);
    } catch (e) {
      throw wrapOptionError(e, opt, t);
    }

    if (opt === 'servers') {
      // several `servers` blocks accumulate, one per listener address
      const list = Array.isArray(options[opt]) ? (options[opt] as ServerOptions[]) : [];
      options[opt] = [...list, val as ServerOptions];
      continue;
    }
    if (opt === 'log' || opt === 'default_bind') {
      // several loggers / binds accumulate; a parser may already have folded the earlier ones in
      const prior = Array.isArray(options[opt]) ? (options[opt] as unknown[]) : [];
      const got = Array.isArray(val) ? (val as unknown[]) : [val];
      const folded = prior.length > 0 && got.length >= prior.length && prior.every((x, i) => got[i] === x);
      options[opt] = folded ? got : [...prior, ...got];
      continue;
    }
    options[opt] = val;
  }

  const serverOpts = options['servers'];
  if (Array.isArray(serverOpts)) {
    const list = serverOpts as ServerOptions[];
    // the most specific listener address is matched first
    sliceStable(list, (a, b) => (a.listenerAddress ?? '').length > (b.listenerAddress ?? '').length);
    const seen = new Set<string>();
    for (const entry of list) {
      const addr = entry.listenerAddress ?? '';
      if (seen.has(addr)) throw new Error(`cannot have 'servers' global options with duplicate listener addresses: ${addr}`);
      seen.add(addr);
    }
  }
  return blocks.slice(1);
}

function wrapOptionError(e: unknown, opt: string, t: Token): Error {
  const prefix = `parsing caddyfile tokens for '${opt}': `;
  if (e instanceof CaddyfileError) return new CaddyfileError(prefix + e.reason, e.file, e.line, e.col, e.imports);
  return CaddyfileError.at(t, prefix + (e instanceof Error ? e.message : String(e)));
}

/** After each directive, names recorded by `invoke` go into the site's pile. */
function collectInvokedNamedRoutes(state: Record<string, unknown>, pile: Record<string, ConfigValue[]>): void {
  const names = state[NAMED_ROUTE_KEY] as Set<string> | undefined;
  if (!names) return;
  for (const name of names) (pile[NAMED_ROUTE_KEY] ??= []).push({ class: NAMED_ROUTE_KEY, value: name });
  state[NAMED_ROUTE_KEY] = undefined;
}

/**
 * Named route blocks `&(name) { ... }` are not sites: each becomes a route
 * (kept in options.named_routes) that servers include when a site invokes it.
 */
function extractNamedRoutes(blocks: ServerBlock[], shared: AdaptState): ServerBlock[] {
  const named: Record<string, RouteJSON> = {};
  const sites: ServerBlock[] = [];
  const counter = { n: 0 };
  const state: Record<string, unknown> = {};
  const local: AdaptState = { ...shared, groupCounter: counter };
  for (const b of blocks) {
    if (!b.isNamedRoute) {
      sites.push(b);
      continue;
    }
    const name = b.keys[0]!.text;
    if (Object.hasOwn(named, name)) throw CaddyfileError.at(b.keys[0], `cannot have duplicate named_routes: ${name}`);
    if (b.segments.length === 0) continue;
    const whole: Token[] = [];
    for (const seg of b.segments) {
      applyShorthandsToSegment(seg);
      whole.push(...seg);
    }
    const h = new Helper(whole, local, {}, b, state);
    const handler = parseSegmentAsSubroute(h);
    const routes = (handler.routes as RouteJSON[] | undefined) ?? [];
    const route: RouteJSON = {};
    if (routes.length === 1 && !routes[0]!.match?.length) route.handle = [...(routes[0]!.handle ?? [])].slice(0, 1);
    else route.handle = [handler];
    named[name] = route;
  }
  shared.options['named_routes'] = named;
  return sites;
}

/** Caddy's specificity: length without wildcards and placeholders. */
function specificity(s: string): number {
  let l = Buffer.byteLength(s) - (s.split('*').length - 1);
  let rest = s;
  while (rest.length > 0) {
    const start = rest.indexOf('{');
    if (start < 0) return l;
    const close = rest.indexOf('}', start);
    if (close < 0) return l;
    l -= Buffer.byteLength(rest.slice(start, close + 1));
    rest = rest.slice(close + 1);
  }
  return l;
}

const hasHostCatchAllKey = (sb: SiteBlock) => sb.keys.some((a) => a.host === '');

/** Server JSON in caddyhttp.Server's field order. */
const SERVER_KEYS = [
  'listen',
  'listener_wrappers',
  'read_timeout',
  'read_header_timeout',
  'write_timeout',
  'idle_timeout',
  'keepalive_interval',
  'keepalive_idle',
  'keepalive_count',
  'max_header_bytes',
  'enable_full_duplex',
  'routes',
  'errors',
  'named_routes',
  'tls_connection_policies',
  'automatic_https',
  'strict_sni_host',
  'trusted_proxies',
  'client_ip_headers',
  'trusted_proxies_strict',
  'trusted_proxies_unix',
  'logs',
  'protocols',
  'listen_protocols',
  'metrics',
  'allow_0rtt',
];

interface ServerLogs {
  default_logger_name?: string;
  logger_names?: Record<string, string[]>;
  skip_hosts?: string[];
  skip_unmapped_hosts?: boolean;
  should_log_credentials?: boolean;
  trace?: boolean;
}

/** Each pairing of listeners to site blocks becomes one server. */
function serversFromPairings(
  pairings: Pairing[],
  options: Record<string, unknown>,
  warnings: Warning[],
  groupCounter: { n: number },
): Record<string, JSONObject> {
  const servers: Record<string, JSONObject> = {};
  const defaultSNI = stringOption(options, 'default_sni', warnings);
  const fallbackSNI = stringOption(options, 'fallback_sni', warnings);
  const httpPort = httpPortOf(options);
  const httpsPort = httpsPortOf(options);
  const autoHTTPS = Array.isArray(options['auto_https']) ? (options['auto_https'] as string[]) : [];
  const namedRoutes = (options['named_routes'] as Record<string, RouteJSON> | undefined) ?? {};

  pairings.forEach((p, i) => {
    const blocks = p.serverBlocks as MappedBlock[];

    // Two blocks with the same key on the same listener would silently share a server (caddy#4635).
    const keyOwner = new Map<string, number>();
    blocks.forEach((b, j) => {
      for (const k of b.block.keys) {
        const owner = keyOwner.get(k.text);
        if (owner !== undefined && owner !== j) throw new Error(`ambiguous site definition: ${k.text}`);
        keyOwner.set(k.text, j);
      }
    });

    const srv: JSONObject = {};
    if (p.addresses.length) srv.listen = [...p.addresses];
    const protocols = (p.protocols ?? []).map((prots) => (prots.some((x) => x !== '') ? prots : null));
    if (protocols.some((x) => x !== null)) srv.listen_protocols = protocols;

    let ah: JSONObject | undefined;
    const autoHTTPSConfig = () => (ah ??= {});
    for (const v of autoHTTPS) {
      if (v === 'off') autoHTTPSConfig().disable = true;
      else if (v === 'disable_redirects') autoHTTPSConfig().disable_redirects = true;
      else if (v === 'disable_certs') autoHTTPSConfig().disable_certificates = true;
      else if (v === 'ignore_loaded_certs') autoHTTPSConfig().ignore_loaded_certificates = true;
      else if (v === 'prefer_wildcard') autoHTTPSConfig().prefer_wildcard = true;
    }

    for (const sb of blocks) {
      for (const addr of sb.keys) {
        if (addr.path !== '') {
          warnings.push({ message: `Using a path in a site address is deprecated; please use the 'handle' directive instead: ${addr.original}` });
        }
      }
    }

    // Most specific site first: only the first matching site runs. Hostless
    // (catch-all) sites go last, wildcard hosts after exact ones (caddy#3410).
    const info = new Map<MappedBlock, { host: string; path: string; wildcard: boolean }>();
    for (const sb of blocks) {
      let host = '';
      let path = '';
      let wildcard = false;
      for (const a of sb.keys) {
        if (a.host.includes('*') || a.host === '') wildcard = true;
        if (specificity(a.host) > specificity(host)) host = a.host;
        if (specificity(a.path) > specificity(path)) path = a.path;
      }
      info.set(sb, { host, path, wildcard });
    }
    sliceStable(blocks, (x, y) => {
      const a = info.get(x)!;
      const b = info.get(y)!;
      if (specificity(a.host) === 0) return false;
      if (specificity(b.host) === 0) return true;
      if (a.wildcard !== b.wildcard) return b.wildcard && !a.wildcard;
      if (specificity(a.host) === specificity(b.host)) return a.path.length > b.path.length;
      return specificity(a.host) > specificity(b.host);
    });

    const wildcardHosts: string[] = [];
    for (const sb of blocks) for (const a of sb.keys) if (a.host.startsWith('*.')) wildcardHosts.push(a.host.slice(2));

    let hasCatchAllTLSConnPolicy = false;
    let addressQualifiesForTLS = false;
    let autoHTTPSWillAddConnPolicy = !ah?.disable;

    let logs: ServerLogs | undefined;
    if (blocks.some((sb) => (sb.pile['custom_log'] ?? []).length > 0)) logs = {};

    const serverNamedRoutes: Record<string, RouteJSON> = {};
    let hasNamedRoutes = false;
    for (const sb of blocks) {
      for (const v of sb.pile[NAMED_ROUTE_KEY] ?? []) {
        addNamedRoute(v.value as string, namedRoutes, serverNamedRoutes);
        hasNamedRoutes = true;
      }
    }

    const connPolicies: JSONObject[] = [];
    let routes: RouteJSON[] = [];
    let errorRoutes: RouteJSON[] | undefined;
    const listenerWrappers: JSONObject[] = [];

    for (const sb of blocks) {
      const matcherSets = compileEncodedMatcherSets(sb);
      let hosts = hostsFromKeys(sb, false);

      for (const h of hosts) {
        if (h === '0.0.0.0' || h === '::') {
          warnings.push({
            message: `Site block has an unspecified IP address ${h} which only matches requests having that Host header; you probably want the 'bind' directive to configure the socket`,
          });
        }
      }

      const forceAutomated = sb.pile['tls.force_automate'] ? new Set(hosts) : new Set<string>();

      for (const cv of sb.pile['tls.connection_policy'] ?? []) {
        const cp: JSONObject = structuredClone(cv.value as JSONObject);
        for (const h of hosts) {
          if (h === defaultSNI) {
            hosts = [...hosts, ''];
            cp.default_sni = defaultSNI;
            break;
          }
          if (h === fallbackSNI) {
            hosts = [...hosts, ''];
            cp.fallback_sni = fallbackSNI;
            break;
          }
        }
        let policy: JSONObject;
        if (hosts.length > 0) {
          policy = { match: { sni: sortStrings([...hosts]) }, ...withoutKey(cp, 'match') };
        } else {
          policy = cp;
          if (defaultSNI) policy.default_sni = defaultSNI;
          if (fallbackSNI) policy.fallback_sni = fallbackSNI;
        }
        if (!connPolicySettingsEmpty(policy) || hosts.some((h) => forceAutomated.has(h))) {
          connPolicies.push(policy);
          hasCatchAllTLSConnPolicy = hosts.length === 0;
        }
      }

      for (const addr of sb.keys) {
        if (listenersUseAnyPortOtherThan(p.addresses, httpPort)) {
          // `http://` sites are excluded from certificate management (caddy#2998)
          if (addr.scheme === 'http' && addr.host !== '') {
            const cfg = autoHTTPSConfig();
            const skip = (cfg.skip as string[] | undefined) ?? [];
            if (!skip.includes(addr.host)) cfg.skip = [...skip, addr.host];
          }
        }
        const hasTLSEnabled =
          (sb.pile['tls.connection_policy'] ?? []).length > 0 ||
          (addr.host !== '' && ah !== undefined && !((ah.skip as string[] | undefined) ?? []).includes(addr.host));
        if (addr.scheme === 'https' || (addr.scheme !== 'http' && addr.port !== httpPort && hasTLSEnabled)) {
          addressQualifiesForTLS = true;
        }
        if (addressQualifiesForTLS && ah?.prefer_wildcard) {
          const dot = addr.host.indexOf('.');
          const base = dot >= 0 ? addr.host.slice(dot + 1) : addr.host;
          if (!addr.host.startsWith('*.') && wildcardHosts.includes(base)) {
            ah.skip_certificates = [...((ah.skip_certificates as string[] | undefined) ?? []), addr.host];
          }
        }
        autoHTTPSWillAddConnPolicy =
          autoHTTPSWillAddConnPolicy && (addr.port === httpsPort || (addr.port !== httpPort && addr.host !== ''));
      }

      for (const lw of sb.pile['listener_wrapper'] ?? []) listenerWrappers.push(lw.value as JSONObject);

      const siteRoutes = buildSubroute(sb.pile['route'] ?? [], groupCounter, true, options);
      routes = appendSubrouteToRouteList(routes, siteRoutes, undefined, matcherSets, blocks.length);

      const errVals = sb.pile['error_route'];
      if (errVals) {
        errorRoutes ??= [];
        // Caddy's comparator here is not a strict order; Go's algorithm gives its exact result.
        const sorted = [...errVals];
        sliceStable(sorted, (a, b) => {
          const ra = routeListOf(a.value)[0];
          const rb = routeListOf(b.value)[0];
          return !(!ra?.match?.length && !!rb?.match?.length);
        });
        const errRoutes: RouteJSON[] = [];
        for (const v of sorted) errRoutes.push(...routeListOf(v.value));
        errorRoutes = appendSubrouteToRouteList(errorRoutes, errRoutes, undefined, matcherSets, blocks.length);
      }

      // access log associations (caddy#3310)
      const logHosts = hostsFromKeys(sb, true);
      for (const cv of sb.pile['custom_log'] ?? []) {
        const ncl = cv.value as NamedCustomLog;
        if (ncl.noHostname) continue;
        const l = logs!;
        if (hasHostCatchAllKey(sb) && ncl.hostnames.length === 0) {
          if (ncl.name) l.default_logger_name = ncl.name;
          else delete l.default_logger_name;
        } else if (ncl.hostnames.length > 0) {
          for (const h of ncl.hostnames) ((l.logger_names ??= {})[h] ??= []).push(ncl.name);
        } else {
          for (const h of logHosts) {
            const host = stripPort(h);
            ((l.logger_names ??= {})[host] ??= []).push(ncl.name);
          }
        }
      }
      if (logs && (sb.pile['custom_log'] ?? []).length === 0) {
        // this site has no access log while others on the server do
        if (hosts.length === 0) logs.skip_unmapped_hosts = true;
        if (logHosts.length) logs.skip_hosts = [...(logs.skip_hosts ?? []), ...logHosts];
      }
    }

    if (logs?.skip_hosts) sortStrings(logs.skip_hosts);

    detectConflictingSchemes(p.addresses, connPolicies, blocks, httpPort, httpsPort);

    // Every handshake should find a policy: add a catch-all at the end (caddy#3004).
    if (
      addressQualifiesForTLS &&
      !hasCatchAllTLSConnPolicy &&
      (connPolicies.length > 0 || !autoHTTPSWillAddConnPolicy || defaultSNI !== '' || fallbackSNI !== '')
    ) {
      const cp: JSONObject = {};
      if (defaultSNI) cp.default_sni = defaultSNI;
      if (fallbackSNI) cp.fallback_sni = fallbackSNI;
      connPolicies.push(cp);
    }

    let policies: JSONObject[];
    try {
      policies = consolidateConnPolicies(connPolicies);
    } catch (e) {
      throw new Error(`consolidating TLS connection policies for server ${i}: ${(e as Error).message}`);
    }
    policies = shieldFromWildcardClientAuth(policies, blocks);

    routes = consolidateRoutes(routes);
    if (listenerWrappers.length) srv.listener_wrappers = listenerWrappers;
    if (routes.length) srv.routes = routes;
    if (errorRoutes?.length) srv.errors = { routes: errorRoutes };
    if (hasNamedRoutes) srv.named_routes = sortedKeys(serverNamedRoutes);
    if (policies.length) srv.tls_connection_policies = policies;
    if (ah) srv.automatic_https = orderKeys(ah, ['disable', 'disable_redirects', 'disable_certificates', 'skip', 'skip_certificates', 'ignore_loaded_certificates', 'prefer_wildcard']);
    if (logs) {
      if (logs.logger_names) logs.logger_names = sortedKeys(logs.logger_names);
      srv.logs = logs;
    }
    servers[`srv${i}`] = srv;
  });

  applyServerOptions(servers, options, warnings);

  const out: Record<string, JSONObject> = {};
  for (const name of sortStrings(Object.keys(servers))) out[name] = orderKeys(sortHandlerKeys(servers[name]!), SERVER_KEYS);
  return out;
}

/** Adds a named route and, recursively, the named routes it invokes. */
function addNamedRoute(name: string, defined: Record<string, RouteJSON>, into: Record<string, RouteJSON>): void {
  if (Object.hasOwn(into, name)) return;
  const route = defined[name];
  if (!route) throw new Error(`cannot invoke named route '${name}', which was not defined`);
  into[name] = route;
  for (const inner of invokedNames(route)) addNamedRoute(inner, defined, into);
}

/** Names of routes invoked anywhere inside a route's handlers. */
function invokedNames(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) invokedNames(x, out);
  else if (v && typeof v === 'object') {
    const o = v as JSONObject;
    if (o.handler === 'invoke' && typeof o.name === 'string') out.push(o.name);
    for (const x of Object.values(o)) if (x && typeof x === 'object') invokedNames(x, out);
  }
  return out;
}

function routeListOf(v: unknown): RouteJSON[] {
  if (v && typeof v === 'object' && Array.isArray((v as { routes?: unknown }).routes)) return (v as { routes: RouteJSON[] }).routes;
  return [];
}

function stripPort(h: string): string {
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end > 0 && h[end + 1] === ':') return h.slice(1, end);
    return h;
  }
  const c = h.lastIndexOf(':');
  if (c >= 0 && h.indexOf(':') === c) return h.slice(0, c);
  return h;
}

function stringOption(options: Record<string, unknown>, key: string, warnings: Warning[]): string {
  const v = options[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') {
    warnings.push({ message: 'not a string type' });
    return '';
  }
  return v;
}

/** Caddy's compileEncodedMatcherSets: a site's keys as host (and path) matchers; none if any key is hostless. */
function compileEncodedMatcherSets(sb: SiteBlock): MatcherSet[] {
  interface Pair {
    hosts: string[] | null;
    paths: string[];
  }
  const pairs: Pair[] = [];
  let catchAllHosts = false;
  for (const addr of sb.keys) {
    let chosen = pairs.find((mp) => (mp.paths.length === 0 && addr.path === '') || (mp.paths.length === 1 && mp.paths[0] === addr.path));
    if (!chosen) {
      chosen = { hosts: [], paths: addr.path !== '' ? [addr.path] : [] };
      pairs.push(chosen);
    }
    if (addr.host === '' && !catchAllHosts) {
      chosen.hosts = null;
      catchAllHosts = true;
    }
    if (catchAllHosts) continue;
    if (addr.host !== '' && !chosen.hosts!.includes(addr.host)) chosen.hosts!.push(addr.host);
  }
  const sets: MatcherSet[] = [];
  for (const mp of pairs) {
    const set: MatcherSet = {};
    if (mp.hosts && mp.hosts.length) set.host = mp.hosts;
    if (mp.paths.length) set.path = mp.paths;
    if (Object.keys(set).length) sets.push(set);
  }
  return sets;
}

/**
 * Caddy's appendSubrouteToRouteList: a site's routes go into a terminal
 * subroute behind its host matchers, except when the server has only this
 * site, no matcher, and no host matcher inside (caddy#5124).
 */
function appendSubrouteToRouteList(
  list: RouteJSON[],
  subroutes: RouteJSON[],
  subrouteErrors: RouteJSON[] | undefined,
  matcherSets: MatcherSet[],
  blockCount: number,
): RouteJSON[] {
  if (matcherSets.length === 0 && subroutes.length === 0 && !subrouteErrors) return list;
  let wrap = true;
  if (matcherSets.length === 0 && blockCount === 1) {
    wrap = subroutes.some((r) => (r.match ?? []).some((ms) => 'host' in ms));
  }
  if (!wrap) return [...list, ...subroutes];
  const route: RouteJSON = {};
  if (matcherSets.length) route.match = matcherSets;
  if (subroutes.length || subrouteErrors) route.handle = [subrouteHandler(subroutes, subrouteErrors)];
  route.terminal = true;
  if (route.match || route.handle) return [...list, route];
  return list;
}

function detectConflictingSchemes(
  listen: string[],
  connPolicies: JSONObject[],
  blocks: SiteBlock[],
  httpPort: string,
  httpsPort: string,
): void {
  let mode = '';
  const listenStr = `[${listen.join(' ')}]`;
  const setHTTP = (original: string, scheme: string, host: string) => {
    if (mode === 'HTTPS') {
      let msg = `server listening on ${listenStr} is configured for HTTPS and cannot natively multiplex HTTP and HTTPS: ${original}`;
      if (scheme === '' && host === '') msg += ' (try specifying https:// in the address)';
      throw new Error(msg);
    }
    if (connPolicies.length > 0) {
      throw new Error(`server listening on ${listenStr} is HTTP, but attempts to configure TLS connection policies`);
    }
    mode = 'HTTP';
  };
  const setHTTPS = (original: string) => {
    if (mode === 'HTTP') {
      throw new Error(`server listening on ${listenStr} is configured for HTTP and cannot natively multiplex HTTP and HTTPS: ${original}`);
    }
    mode = 'HTTPS';
  };
  for (const sb of blocks) {
    for (const a of sb.keys) {
      if (a.scheme === 'http' || a.port === httpPort) setHTTP(a.original, a.scheme, a.host);
      else if (a.scheme === 'https' || a.port === httpsPort || connPolicies.length > 0) setHTTPS(a.original);
      else if (a.host === '') setHTTP(a.original, a.scheme, a.host);
    }
  }
}

/**
 * Handlers are marshaled by Caddy through a map, so their keys come out
 * sorted (deeply); routes outside handlers keep the struct order.
 */
function sortHandlerKeys(srv: JSONObject): JSONObject {
  const sortRoutes = (routes: RouteJSON[] | undefined) => routes?.map((r) => orderKeys({ ...r, handle: r.handle?.map(deepSort) }, ['group', 'match', 'handle', 'terminal']) as RouteJSON);
  const out = { ...srv };
  if (out.routes) out.routes = sortRoutes(out.routes);
  if (out.errors) out.errors = { ...out.errors, routes: sortRoutes(out.errors.routes) };
  if (out.named_routes) {
    out.named_routes = Object.fromEntries(Object.entries(out.named_routes as Record<string, RouteJSON>).map(([k, r]) => [k, sortRoutes([r])![0]]));
  }
  return out;
}


/**
 * sortKeysDeep's twin, kept private on purpose: handler JSON of every shape
 * passes through here, and sharing go/json's function with the rest of the
 * adapter made its property accesses megamorphic (1,000-site adapt: ~130 ms
 * → ~500 ms, measured).
 */
function deepSort(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(deepSort);
  if (v && typeof v === 'object') {
    const o = v as JSONObject;
    const out: JSONObject = {};
    for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = deepSort(o[k]);
    return out;
  }
  return v;
}

export type { HandlerJSON };
