/**
 * createCtx on real requests: Go's view of the target, host and port,
 * proto, the remote address (IPv4-mapped unwrapped on a dual-stack
 * listener) and the client IP behind trusted proxies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileClientIPOptions } from '../../src/core/context.js';
import { rawJSON, startServer, type TestServer } from '../support/harness.js';

const view = (ctx: import('../../src/core/types.js').Ctx) => ({
  method: ctx.method,
  path: ctx.path,
  rawPath: ctx.rawPath,
  query: ctx.query,
  host: ctx.host,
  port: ctx.port,
  proto: ctx.proto,
  scheme: ctx.scheme,
  remoteIP: ctx.remoteIP,
  clientIP: ctx.clientIP,
  trusted: ctx.vars.get('trusted_proxy'),
});

describe('createCtx', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startServer(view);
  });
  afterAll(() => ts.close());

  it.each([
    ['/plain', { path: '/plain', rawPath: '', query: '' }],
    ['/a%2Fb/c%20d?x=%20y&z', { path: '/a/b/c d', rawPath: '/a%2Fb/c%20d', query: 'x=%20y&z' }],
    ['/caf%C3%A9', { path: '/café', rawPath: '', query: '' }],
    ['/a%41', { path: '/aA', rawPath: '/a%41', query: '' }],
    ['//double//slash/../x', { path: '//double//slash/../x', rawPath: '', query: '' }],
    ['/q?', { path: '/q', query: '' }],
    ['/q?a?b', { path: '/q', query: 'a?b' }],
  ])('target %s', async (target, want) => {
    expect(await rawJSON(ts.port, target)).toMatchObject(want);
  });

  it('host is lower-cased without port or brackets; the port is kept as sent', async () => {
    expect(await rawJSON(ts.port, '/', {}, { host: 'WWW.Example.COM:8443' })).toMatchObject({ host: 'www.example.com', port: '8443' });
    expect(await rawJSON(ts.port, '/', {}, { host: '[::1]:80' })).toMatchObject({ host: '::1', port: '80' });
    expect(await rawJSON(ts.port, '/', {}, { host: '[::1]' })).toMatchObject({ host: '::1', port: '' });
    expect(await rawJSON(ts.port, '/', {}, { host: 'example.com' })).toMatchObject({ host: 'example.com', port: '' });
  });

  it('proto is Go’s name; scheme http on a plain socket', async () => {
    expect(await rawJSON(ts.port, '/', {}, { version: 'HTTP/1.0' })).toMatchObject({ proto: 'HTTP/1.0', scheme: 'http' });
    expect(await rawJSON(ts.port, '/')).toMatchObject({ proto: 'HTTP/1.1', method: 'GET' });
    expect(await rawJSON(ts.port, '/', {}, { method: 'DELETE' })).toMatchObject({ method: 'DELETE' });
  });

  it('without trusted proxies, client IP is the peer and forwarded headers are ignored', async () => {
    expect(await rawJSON(ts.port, '/', { 'X-Forwarded-For': '9.9.9.9' })).toMatchObject({
      remoteIP: '127.0.0.1',
      clientIP: '127.0.0.1',
      trusted: false,
    });
  });
});

describe('IPv4 clients of a dual-stack listener', () => {
  let ts: TestServer | undefined;
  beforeAll(async () => {
    try {
      ts = await startServer(view, {}, '::');
    } catch {
      ts = undefined; // no IPv6 on this machine
    }
  });
  afterAll(() => ts?.close());

  it('report 127.0.0.1, not ::ffff:127.0.0.1, as Go does', async () => {
    if (!ts) return;
    expect(await rawJSON(ts.port, '/', {}, { connectHost: '127.0.0.1' })).toMatchObject({ remoteIP: '127.0.0.1', clientIP: '127.0.0.1' });
  });
});

describe('client IP behind trusted proxies', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startServer(view);
  });
  afterAll(() => ts.close());

  const use = (server: Record<string, unknown>) => {
    ts.info = { clientIP: compileClientIPOptions(server) };
  };

  it('takes the left-most valid address of X-Forwarded-For from a trusted peer', async () => {
    use({ trusted_proxies: { source: 'static', ranges: ['127.0.0.1/8'] } });
    expect(await rawJSON(ts.port, '/', { 'X-Forwarded-For': 'junk, 203.0.113.7:5555, 10.0.0.1' })).toMatchObject({
      clientIP: '203.0.113.7',
      trusted: true,
    });
    // IPv6 in canonical form, zone dropped; several header lines are one list.
    expect(await rawJSON(ts.port, '/', { 'X-Forwarded-For': ['2001:DB8:0:0::1%eth0', '1.1.1.1'] })).toMatchObject({ clientIP: '2001:db8::1' });
    // No header: the peer.
    expect(await rawJSON(ts.port, '/')).toMatchObject({ clientIP: '127.0.0.1', trusted: true });
  });

  it('ignores headers from a peer that is not trusted', async () => {
    use({ trusted_proxies: { source: 'static', ranges: ['10.0.0.0/8'] } });
    expect(await rawJSON(ts.port, '/', { 'X-Forwarded-For': '203.0.113.7' })).toMatchObject({ clientIP: '127.0.0.1', trusted: false });
  });

  it('uses client_ip_headers in order', async () => {
    use({ trusted_proxies: { source: 'static', ranges: ['127.0.0.1'] }, client_ip_headers: ['X-Real-IP', 'X-Forwarded-For'] });
    expect(await rawJSON(ts.port, '/', { 'X-Forwarded-For': '1.1.1.1', 'X-Real-IP': '2.2.2.2' })).toMatchObject({ clientIP: '2.2.2.2' });
  });

  it('strict mode takes the right-most address that is not itself a trusted proxy', async () => {
    use({ trusted_proxies: { source: 'static', ranges: ['127.0.0.1/8', '10.0.0.0/8'] }, trusted_proxies_strict: 1 });
    expect(await rawJSON(ts.port, '/', { 'X-Forwarded-For': '6.6.6.6, 203.0.113.7, 10.1.1.1' })).toMatchObject({ clientIP: '203.0.113.7' });
    expect(await rawJSON(ts.port, '/', { 'X-Forwarded-For': '10.1.1.1' })).toMatchObject({ clientIP: '127.0.0.1' });
  });

  it('rejects bad ranges and unknown IP sources at load time', () => {
    expect(() => compileClientIPOptions({ trusted_proxies: { source: 'static', ranges: ['10.0.0.0/33'] } })).toThrow(/trusted_proxies/);
    expect(() => compileClientIPOptions({ trusted_proxies: { source: 'cloudflare' } })).toThrow(/http\.ip_sources\.cloudflare/);
  });
});
