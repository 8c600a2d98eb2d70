import { describe, expect, it } from 'vitest';
import { ConfigValidationError, validateConfig } from '../../src/runtime/validate.js';

const server = (extra: object = {}) => ({ listen: [':80'], ...extra });
const http = (servers: object) => ({ apps: { http: { servers } } });
const routes = (...r: object[]) => http({ srv0: server({ routes: r }) });

describe('validateConfig accepts', () => {
  it.each([
    ['an empty config', {}],
    ['admin, logging and storage', { admin: { listen: 'localhost:2019' }, logging: {}, storage: { module: 'file_system' } }],
    ['every app tsweb knows', { apps: { http: {}, tls: {}, pki: {}, events: {} } }],
    ['listeners of all kinds', http({ a: { listen: [':80', '127.0.0.1:8080', '[::1]:9000', 'unix//run/x.sock', 'tcp/:8443', ':9000-9002'] } })],
    ['the same port on different hosts', http({ a: { listen: ['127.0.0.1:80'] }, b: { listen: ['127.0.0.2:80'] } })],
    ['placeholders in listeners', http({ a: { listen: ['{env.ADDR}'] }, b: { listen: ['{env.ADDR}'] } })],
    ['@id meta fields', { '@id': 'root', apps: { http: { servers: { a: { listen: [':80'], routes: [{ '@id': 'r', handle: [{ handler: 'vars', '@id': 'h' }] }] } } } } }],
    [
      'nested subroutes, matchers, not, errors routes and named routes',
      http({
        srv0: server({
          routes: [
            {
              match: [{ host: ['a.com'] }, { not: [{ path: ['/x'] }] }],
              handle: [{ handler: 'subroute', routes: [{ match: [{ path_regexp: {} }], handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: '127.0.0.1:9' }] }] }] }],
            },
          ],
          errors: { routes: [{ handle: [{ handler: 'static_response' }] }] },
          named_routes: { api: { handle: [{ handler: 'headers' }] } },
        }),
      }),
    ],
  ])('%s', (_name, config) => {
    expect(() => validateConfig(config)).not.toThrow();
  });
});

describe('validateConfig rejects, in Caddy\'s words', () => {
  it.each([
    ['a non-object', [], 'decoding config: configuration must be a JSON object'],
    ['an unknown top-level field', { foo: 1 }, 'decoding config: json: unknown field "foo"'],
    ['an unknown app', { apps: { layer9: {} } }, 'loading layer9 app module: unknown module: layer9'],
    [
      'a listener that does not parse',
      http({ a: { listen: [':http'] } }),
      'loading http app module: http: invalid configuration: invalid listener address \':http\': invalid start port: strconv.ParseUint: parsing "http": invalid syntax',
    ],
    [
      'a port out of range',
      http({ a: { listen: [':70000'] } }),
      "invalid listener address ':70000'",
    ],
    [
      'a listener claimed by two servers',
      http({ a: { listen: [':80'] }, b: { listen: ['tcp/:80'] } }),
      "loading http app module: http: invalid configuration: server b: listener address repeated: tcp/:80 (already claimed by server 'a')",
    ],
    [
      'overlapping port ranges',
      http({ a: { listen: [':8000-8005'] }, b: { listen: [':8005'] } }),
      "server b: listener address repeated: tcp/:8005 (already claimed by server 'a')",
    ],
    [
      'an unknown handler',
      routes({ handle: [{ handler: 'nope' }] }),
      "loading http app module: provision http: server srv0: setting up route handlers: route 0: loading handler modules: position 0: loading module 'nope': unknown module: http.handlers.nope",
    ],
    [
      'a handler without a name',
      routes({ handle: [{ foo: 'x' }] }),
      "position 0: module name not specified with key 'handler' in map[foo:x]",
    ],
    [
      'an unknown matcher',
      routes({ match: [{ nope: 1 }] }),
      "loading http app module: provision http: server srv0: setting up route matchers: route 0: loading matcher modules: module name 'nope': unknown module: http.matchers.nope",
    ],
    [
      'an unknown matcher inside not',
      routes({ match: [{ not: [{ bogus: 1 }] }] }),
      "module name 'not': provision http.matchers.not: module name 'bogus': unknown module: http.matchers.bogus",
    ],
    [
      'an unknown handler in a subroute',
      routes({ handle: [{ handler: 'subroute', routes: [{ handle: [{ handler: 'vars' }, { handler: 'nope' }] }] }] }),
      "loading module 'subroute': provision http.handlers.subroute: setting up subroutes: route 0: loading handler modules: position 1: loading module 'nope': unknown module: http.handlers.nope",
    ],
    [
      'an unknown handler in an errors route',
      http({ srv0: server({ errors: { routes: [{ handle: [{ handler: 'nope' }] }] } }) }),
      'server srv0: setting up server error handling routes: route 0: loading handler modules: position 0',
    ],
    [
      'an unknown handler in a handle_response route',
      routes({ handle: [{ handler: 'reverse_proxy', handle_response: [{ routes: [{ handle: [{ handler: 'nope' }] }] }] }] }),
      "provision http.handlers.reverse_proxy: handle_response 0: route 0: loading handler modules: position 0: loading module 'nope'",
    ],
    [
      // Validation provisions what `run` provisions: handle_response's handlers are checked by both.
      'a bad copy_response_headers in a handle_response route',
      routes({ handle: [{ handler: 'reverse_proxy', handle_response: [{ routes: [{ handle: [{ handler: 'copy_response_headers', include: ['A'], exclude: ['B'] }] }] }] }] }),
      "loading module 'copy_response_headers': provision http.handlers.copy_response_headers: cannot define both 'exclude' and 'include' lists at the same time",
    ],
  ])('%s', (_name, config, message) => {
    expect(() => validateConfig(config)).toThrow(ConfigValidationError);
    expect(() => validateConfig(config)).toThrow(message);
  });

  it('checks matchers of every route before any handler, as Caddy provisions them', () => {
    const config = routes({ handle: [{ handler: 'nope' }] }, { match: [{ nope: 1 }] });
    expect(() => validateConfig(config)).toThrow('setting up route matchers: route 1');
  });
});
