/**
 * Structural checks of a JSON config, the part of Caddy's `caddy validate`
 * (load + provision without starting) that does not need a running engine:
 * known top-level fields and apps, listener addresses that parse and are not
 * claimed twice, and every handler and matcher module known, at any depth.
 * Error texts follow Caddy's provisioning chain ("loading http app module:
 * provision http: server srv0: setting up route handlers: route 0: ...") so
 * a message found online still matches.
 *
 * The HTTP engine extends this: it registers its modules in the sets below
 * and adds provision-time checks of module fields.
 */
import { AddrError, isFdNetwork, isUnixNetwork, joinNetworkAddress, parseNetworkAddress } from '../net/netaddr.js';

/** `apps.*` that tsweb understands. */
export const knownApps = new Set(['http', 'tls', 'pki', 'events']);

/** http.handlers.* (Caddy's standard distribution). */
export const knownHandlers = new Set([
  'acme_server', 'authentication', 'copy_response', 'copy_response_headers', 'encode', 'error',
  'file_server', 'headers', 'intercept', 'invoke', 'log_append', 'map', 'metrics', 'push',
  'request_body', 'reverse_proxy', 'rewrite', 'static_response', 'subroute', 'templates',
  'tracing', 'vars',
]);

/** http.matchers.* (Caddy's standard distribution). */
export const knownMatchers = new Set([
  'client_ip', 'expression', 'file', 'header', 'header_regexp', 'host', 'method', 'not', 'path',
  'path_regexp', 'protocol', 'query', 'remote_ip', 'tls', 'url_pattern', 'vars', 'vars_regexp',
]);

const topLevelFields = new Set(['admin', 'logging', 'storage', 'apps']);

export class ConfigValidationError extends Error {
  override name = 'ConfigValidationError';
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Caddy's meta fields (`@id`) are for the admin API and never reach a module. */
const fieldsOf = (o: Obj): string[] => Object.keys(o).filter((k) => k !== '@id');

function fail(...chain: string[]): never {
  throw new ConfigValidationError(chain.join(': '));
}

/** Go's `%v` of a small map, as in "module name not specified with key 'handler' in map[...]". */
function goMap(o: Obj): string {
  const show = (v: unknown): string => (isObj(v) ? goMap(v) : Array.isArray(v) ? `[${v.map(show).join(' ')}]` : String(v));
  return `map[${Object.keys(o).sort().map((k) => `${k}:${show(o[k])}`).join(' ')}]`;
}

/** Throws ConfigValidationError describing the first problem found. */
export function validateConfig(config: unknown): void {
  if (!isObj(config)) fail('decoding config', 'configuration must be a JSON object');
  for (const k of fieldsOf(config)) {
    if (!topLevelFields.has(k)) fail('decoding config', `json: unknown field "${k}"`);
  }
  const apps = config.apps;
  if (apps === undefined || apps === null) return;
  if (!isObj(apps)) fail('decoding config', 'json: "apps" must be an object');
  for (const name of fieldsOf(apps)) {
    if (!knownApps.has(name)) fail(`loading ${name} app module`, `unknown module: ${name}`);
    if (name === 'http') validateHTTPApp(apps[name]);
  }
}

function validateHTTPApp(app: unknown): void {
  const where = 'loading http app module';
  if (!isObj(app)) fail(where, 'decoding module config', 'http: json: the app config must be an object');
  const servers = app.servers ?? {};
  if (!isObj(servers)) fail(where, 'decoding module config', 'http: json: "servers" must be an object');

  for (const [name, srv] of Object.entries(servers)) {
    if (!isObj(srv)) fail(where, 'decoding module config', `http: json: server ${name} must be an object`);
    const routes = srv.routes ?? [];
    const at = [where, 'provision http', `server ${name}`];
    provisionRoutes(routes, [...at, 'setting up route matchers'], [...at, 'setting up route handlers']);
    const errors = srv.errors;
    if (isObj(errors) && errors.routes !== undefined) {
      const eat = [...at, 'setting up server error handling routes'];
      provisionRoutes(errors.routes, eat, eat);
    }
    if (isObj(srv.named_routes)) {
      for (const [rname, route] of Object.entries(srv.named_routes)) {
        const nat = [...at, `setting up named route '${rname}'`];
        provisionRoutes([route], nat, nat);
      }
    }
  }
  validateListeners(servers as Record<string, Obj>);
}

function validateListeners(servers: Record<string, Obj>): void {
  const where = ['loading http app module', 'http: invalid configuration'];
  const claimed = new Map<string, string>();
  for (const [name, srv] of Object.entries(servers)) {
    const listen = srv.listen ?? [];
    if (!Array.isArray(listen)) fail(...where, `server ${name}: "listen" must be an array of addresses`);
    for (const addr of listen) {
      if (typeof addr !== 'string') fail(...where, `server ${name}: listener address must be a string: ${JSON.stringify(addr)}`);
      // Placeholders ({env.PORT}) are only known at run time.
      if (addr.includes('{')) continue;
      let na;
      try {
        na = parseNetworkAddress(addr);
      } catch (err) {
        if (!(err instanceof AddrError)) throw err;
        fail(...where, `invalid listener address '${addr}'`, err.message);
      }
      const size = na.endPort - na.startPort + 1;
      for (let i = 0; i < size; i++) {
        const port = isUnixNetwork(na.network) || isFdNetwork(na.network) ? '' : String(na.startPort + i);
        const key = joinNetworkAddress(na.network, na.host, port);
        const owner = claimed.get(key);
        if (owner !== undefined) {
          fail(...where, `server ${name}: listener address repeated: ${key} (already claimed by server '${owner}')`);
        }
        claimed.set(key, name);
      }
    }
  }
}

/**
 * A route list as Caddy provisions it: every route's matchers first, then
 * every route's handlers (a subroute provisions its own list the same way).
 */
function provisionRoutes(routes: unknown, matcherChain: string[], handlerChain: string[]): void {
  if (!Array.isArray(routes)) fail(...matcherChain, 'routes must be an array');
  routes.forEach((route, i) => {
    if (!isObj(route)) fail(...matcherChain, `route ${i}`, 'a route must be an object');
    const match = route.match ?? [];
    if (!Array.isArray(match)) fail(...matcherChain, `route ${i}`, 'loading matcher modules', '"match" must be an array of matcher sets');
    for (const set of match) checkMatcherSet(set, [...matcherChain, `route ${i}`, 'loading matcher modules']);
  });
  routes.forEach((route, i) => {
    const handle = (route as Obj).handle ?? [];
    const at = [...handlerChain, `route ${i}`, 'loading handler modules'];
    if (!Array.isArray(handle)) fail(...at, '"handle" must be an array of handlers');
    handle.forEach((h, j) => checkHandler(h, [...at, `position ${j}`]));
  });
}

function checkMatcherSet(set: unknown, chain: string[]): void {
  if (!isObj(set)) fail(...chain, 'a matcher set must be an object');
  for (const name of fieldsOf(set)) {
    if (!knownMatchers.has(name)) fail(...chain, `module name '${name}'`, `unknown module: http.matchers.${name}`);
    if (name === 'not') {
      const sets = Array.isArray(set.not) ? set.not : [set.not];
      const at = [...chain, `module name '${name}'`, 'provision http.matchers.not'];
      for (const inner of sets) checkMatcherSet(inner, at);
    }
  }
}

function checkHandler(h: unknown, chain: string[]): void {
  if (!isObj(h)) fail(...chain, 'a handler must be an object');
  const name = h.handler;
  if (typeof name !== 'string' || name === '') fail(...chain, `module name not specified with key 'handler' in ${goMap(h)}`);
  const at = [...chain, `loading module '${name}'`];
  if (!knownHandlers.has(name)) fail(...at, `unknown module: http.handlers.${name}`);
  const provision = [...at, `provision http.handlers.${name}`];
  if (name === 'subroute' && h.routes !== undefined) {
    const sub = [...provision, 'setting up subroutes'];
    provisionRoutes(h.routes, sub, sub);
  }
  // reverse_proxy and intercept run routes chosen by response matchers.
  if ((name === 'reverse_proxy' || name === 'intercept') && Array.isArray(h.handle_response)) {
    h.handle_response.forEach((hr, i) => {
      if (isObj(hr) && hr.routes !== undefined) {
        const sub = [...provision, `handle_response ${i}`];
        provisionRoutes(hr.routes, sub, sub);
      }
    });
  }
}
