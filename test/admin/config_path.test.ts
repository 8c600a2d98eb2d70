import { describe, expect, it } from 'vitest';
import { APIError } from '../../src/admin/api_error.js';
import { configAccess, type ConfigRoot } from '../../src/admin/config_path.js';
import { indexConfigObjects, makeEtag } from '../../src/admin/config_manager.js';
import { xxhash64Hex } from '../../src/admin/xxhash64.js';

const root = (): ConfigRoot => ({ config: { apps: { http: { servers: { s: { listen: [':80', ':81'] } } } }, b: 'x<y' } });

describe('configAccess (Caddy unsyncedConfigAccess)', () => {
  it('GET encodes the subtree as Go does: sorted keys, HTML escaped, newline', () => {
    expect(configAccess(root(), 'GET', '/config/', undefined)).toBe('{"apps":{"http":{"servers":{"s":{"listen":[":80",":81"]}}}},"b":"x\\u003cy"}\n');
    expect(configAccess(root(), 'GET', '/config/apps/http/servers/s/listen/1', undefined)).toBe('":81"\n');
    expect(configAccess(root(), 'GET', '/config/nope', undefined)).toBe('null\n');
  });

  it('POST appends to an array, `...` expands, elsewhere sets', () => {
    const r = root();
    configAccess(r, 'POST', '/config/apps/http/servers/s/listen', '":82"');
    configAccess(r, 'POST', '/config/apps/http/servers/s/listen/...', '[":83",":84"]');
    configAccess(r, 'POST', '/config/b', '"z"');
    expect(r.config).toMatchObject({ b: 'z', apps: { http: { servers: { s: { listen: [':80', ':81', ':82', ':83', ':84'] } } } } });
    expect(() => configAccess(r, 'POST', '/config/apps/http/servers/s/listen/...', '":85"')).toThrow('final element is not an array');
  });

  it('PUT inserts into arrays and creates keys (with parents), 409 if the key exists', () => {
    const r = root();
    configAccess(r, 'PUT', '/config/apps/http/servers/s/listen/0', '":79"');
    configAccess(r, 'PUT', '/config/x/y/z', '1');
    expect(r.config).toMatchObject({ x: { y: { z: 1 } }, apps: { http: { servers: { s: { listen: [':79', ':80', ':81'] } } } } });
    const err = (() => {
      try {
        configAccess(r, 'PUT', '/config/b', '"q"');
      } catch (e) {
        return e as APIError;
      }
    })();
    expect(err).toBeInstanceOf(APIError);
    expect([err!.status, err!.message]).toEqual([409, '[/config/b] key already exists: b']);
  });

  it('PATCH replaces and 404s when missing; DELETE removes', () => {
    const r = root();
    configAccess(r, 'PATCH', '/config/apps/http/servers/s/listen/1', '":90"');
    configAccess(r, 'DELETE', '/config/apps/http/servers/s/listen/0', undefined);
    configAccess(r, 'DELETE', '/config/b', undefined);
    expect(r.config).toEqual({ apps: { http: { servers: { s: { listen: [':90'] } } } } });
    expect(() => configAccess(r, 'PATCH', '/config/nope', '1')).toThrow('[/config/nope] key does not exist: nope');
    expect(() => configAccess(r, 'DELETE', '/config/nope', undefined)).toThrow('[/config/nope] key does not exist: nope');
  });

  it("words index and traversal errors as Caddy does", () => {
    const r = root();
    expect(() => configAccess(r, 'GET', '/config/apps/http/servers/s/listen/01', undefined)).toThrow("[/config/apps/http/servers/s/listen/01] invalid array index '01': non-canonical array index");
    expect(() => configAccess(r, 'PATCH', '/config/apps/http/servers/s/listen/5', '1')).toThrow('[/config/apps/http/servers/s/listen/5] array index out of bounds: 5');
    expect(() => configAccess(r, 'GET', '/config/b/c/d', undefined)).toThrow('invalid traversal path at: config/b/c');
    expect(() => configAccess(r, 'POST', '/config/b', '{')).toThrow(/^decoding request body: /);
    expect(() => configAccess(r, 'GET', '/', undefined)).toThrow('no traversable path');
  });
});

describe('ETags and @id', () => {
  it('hashes with XXH64 as cespare/xxhash does', () => {
    const e = new TextEncoder();
    expect(xxhash64Hex(e.encode(''))).toBe('ef46db3751d8e999');
    expect(xxhash64Hex(e.encode('abc'))).toBe('44bc2cf5ad770999');
    expect(xxhash64Hex(e.encode('a'.repeat(100)))).toMatch(/^[0-9a-f]{16}$/);
    expect(makeEtag('/config/', 'null\n')).toBe(`"/config/ ${xxhash64Hex(e.encode('null\n'))}"`);
  });

  it('indexes @id (string or number) to its /config path; duplicates are refused', () => {
    const idx = indexConfigObjects({ apps: { http: { servers: { s: { '@id': 'srv', routes: [{ '@id': 7 }] } } } } });
    expect([...idx]).toEqual([
      ['srv', '/config/apps/http/servers/s'],
      ['7', '/config/apps/http/servers/s/routes/0'],
    ]);
    expect(() => indexConfigObjects({ a: { '@id': 'x' }, b: { '@id': 'x' } })).toThrow("duplicate ID 'x' found at /config/a and /config/b");
  });
});
