import { describe, expect, it } from 'vitest';
import { determineAdminAddress } from '../../src/admin/client.js';
import { moduleIDs } from '../../src/cli/list_modules.js';
import { respondConfig } from '../../src/cli/respond.js';

describe('verbs around the admin API', () => {
  it('stop/reload find the admin address: --address, else the config, else the default', () => {
    expect(determineAdminAddress('127.0.0.1:1', { admin: { listen: 'x:2' } }, 'localhost:2019')).toBe('127.0.0.1:1');
    expect(determineAdminAddress('', { admin: { listen: 'x:2' } }, 'localhost:2019')).toBe('x:2');
    expect(determineAdminAddress('', null, 'localhost:2019')).toBe('localhost:2019');
  });

  it('list-modules lists module IDs from the registries, sorted', () => {
    const ids = moduleIDs();
    expect(ids).toContain('http.handlers.encode');
    expect(ids).toContain('http.matchers.path');
    expect(ids).toContain('http');
    expect(ids).toContain('caddy.adapters.caddyfile');
    expect(ids).toEqual([...ids].sort());
  });

  it('respond builds the config caddy respond builds: one server per port, admin off, not persisted', () => {
    const c = respondConfig({ listen: '127.0.0.1:8000-8001', status: 201, body: 'n={{.N}} p={{.Port}}', headers: { 'X-A': ['b'] }, accessLog: true, debug: false });
    expect(c.admin).toEqual({ disabled: true, config: { persist: false } });
    expect(Object.keys(c.apps.http.servers)).toEqual(['static0', 'static1']);
    expect(c.apps.http.servers.static1).toMatchObject({
      listen: ['127.0.0.1:8001'],
      logs: {},
      automatic_https: { disable_redirects: true },
      routes: [{ handle: [{ handler: 'static_response', status_code: '201', headers: { 'X-A': ['b'] }, body: 'n=1 p=8001' }] }],
    });
    expect(() => respondConfig({ listen: ':0', status: 200, body: '{{.Nope}}', headers: {}, accessLog: false, debug: false })).toThrow(/only \{\{\.N\}\}/);
  });
});
