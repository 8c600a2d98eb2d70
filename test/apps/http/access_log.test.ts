// Access log lines as a user reads them: real requests through the engine,
// lines captured from the stderr writer, field names and values as Caddy
// writes them (server.go logRequest, marshalers.go).
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, type Served, serveConfig, until } from '../../log/harness.js';

const respond = (body: string, status?: number, headers?: Record<string, string[]>) => ({ handler: 'static_response', body, ...(status ? { status_code: status } : {}), ...(headers ? { headers } : {}) });

const access = (s: Served, logger?: string) => s.json((e) => String(e.logger).startsWith('http.log.access') && (logger === undefined || e.logger === logger));

describe('access log fields', () => {
  let s: Served;
  const hash = bcrypt.hashSync('secret', 4);
  beforeAll(async () => {
    s = await serveConfig((port) => ({
      logging: {
        logs: {
          default: { writer: { output: 'stderr' }, encoder: { format: 'json' }, exclude: ['http.log.access.log0'] },
          log0: { writer: { output: 'stderr' }, encoder: { format: 'json' }, include: ['http.log.access.log0'] },
        },
      },
      apps: {
        http: {
          servers: {
            srv0: {
              listen: [`127.0.0.1:${port}`],
              logs: { default_logger_name: 'log0' },
              routes: [
                { match: [{ path: ['/auth'] }], handle: [{ handler: 'authentication', providers: { http_basic: { accounts: [{ username: 'alice', password: hash }] } } }, respond('in')] },
                { match: [{ path: ['/boom'] }], handle: [{ handler: 'error', error: 'it broke', status_code: 502 }] },
                { match: [{ path: ['/teapot'] }], handle: [respond('short', 418)] },
                { match: [{ path: ['/cookie'] }], handle: [respond('c', 200, { 'Set-Cookie': ['sid=abc'] })] },
                { match: [{ path: ['/skip'] }], handle: [{ handler: 'vars', log_skip: true }, respond('quiet')] },
                {
                  match: [{ path: ['/append'] }],
                  handle: [
                    { handler: 'log_append', key: 'from_var', value: 'who' },
                    { handler: 'log_append', key: 'status_ph', value: '{http.vars.who}' },
                    { handler: 'log_append', key: 'literal', value: 'plain text' },
                    { handler: 'vars', who: 'alice' },
                    respond('appended'),
                  ],
                },
                { handle: [respond('hello world')] },
              ],
            },
          },
        },
      },
    }));
  });
  afterAll(() => s?.stop());

  it('writes one "handled request" line with Caddy\'s fields', async () => {
    const r = await get(s.port, '/p/a%20b?q=1&r', { headers: { 'User-Agent': 'tsweb-test', 'X-Multi': 'one' } });
    expect(r.body).toBe('hello world');
    await until(() => access(s).length >= 1, 'an access line');
    const [e] = access(s);
    expect(e).toMatchObject({
      level: 'info',
      logger: 'http.log.access.log0',
      msg: 'handled request',
      request: {
        remote_ip: '127.0.0.1',
        client_ip: '127.0.0.1',
        proto: 'HTTP/1.1',
        method: 'GET',
        host: `localhost:${s.port}`,
        uri: '/p/a%20b?q=1&r',
        headers: { 'User-Agent': ['tsweb-test'], 'X-Multi': ['one'] },
      },
      bytes_read: 0,
      user_id: '',
      size: 11,
      status: 200,
      resp_headers: { Server: ['tsweb'], 'Content-Type': ['text/plain; charset=utf-8'] },
    });
    expect(e!.request.remote_port).toMatch(/^\d+$/);
    expect(e!.request.headers.Host).toBeUndefined();
    expect(typeof e!.ts).toBe('number');
    expect(Math.abs(e!.ts - Date.now() / 1000)).toBeLessThan(30);
    expect(typeof e!.duration).toBe('number');
    expect(e!.duration).toBeGreaterThan(0);
    expect(e!.duration).toBeLessThan(5);
    // Caddy's field order: request first, then the response facts.
    expect(Object.keys(e!)).toEqual(['level', 'ts', 'logger', 'msg', 'request', 'bytes_read', 'user_id', 'duration', 'size', 'status', 'resp_headers']);
    // The default log excludes the named access logger: the line is written once.
    expect(s.stderr.filter((l) => l.includes('handled request'))).toHaveLength(1);
  });

  it('logs 5xx responses at error level, other statuses at info', async () => {
    s.stderr.length = 0;
    expect((await get(s.port, '/boom')).status).toBe(502);
    expect((await get(s.port, '/teapot')).status).toBe(418);
    await until(() => access(s).length >= 2, 'two access lines');
    const [boom, teapot] = access(s);
    expect(boom).toMatchObject({ level: 'error', status: 502, size: 0 });
    expect(teapot).toMatchObject({ level: 'info', status: 418, size: 5 });
    // The handler error itself goes to http.log.error(.log0) with the request id.
    const err = s.json((e) => String(e.logger).startsWith('http.log.error'));
    expect(err).toHaveLength(1);
    expect(err[0]).toMatchObject({ level: 'error', logger: 'http.log.error.log0', msg: 'it broke', status: 502, request: { uri: '/boom', method: 'GET' } });
    expect(err[0]!.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('redacts credentials in request and response headers', async () => {
    s.stderr.length = 0;
    await get(s.port, '/cookie', { headers: { Authorization: 'Basic eDp5', Cookie: 'a=b', 'Proxy-Authorization': 'x' } });
    await until(() => access(s).length >= 1, 'an access line');
    const [e] = access(s);
    expect(e!.request.headers).toMatchObject({ Authorization: ['REDACTED'], Cookie: ['REDACTED'], 'Proxy-Authorization': ['REDACTED'] });
    expect(e!.resp_headers['Set-Cookie']).toEqual(['REDACTED']);
    expect(JSON.stringify(e)).not.toContain('eDp5');
  });

  it('reports the authenticated user as user_id', async () => {
    s.stderr.length = 0;
    const r = await get(s.port, '/auth', { headers: { Authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}` } });
    expect(r.status).toBe(200);
    await until(() => access(s).length >= 1, 'an access line');
    expect(access(s)[0]).toMatchObject({ user_id: 'alice', status: 200 });
  });

  it('writes no line for requests that set log_skip', async () => {
    s.stderr.length = 0;
    expect((await get(s.port, '/skip')).body).toBe('quiet');
    await get(s.port, '/after-skip');
    await until(() => access(s).length >= 1, 'an access line');
    await new Promise((r) => setTimeout(r, 50));
    expect(access(s).map((e) => e.request.uri)).toEqual(['/after-skip']);
  });

  it('adds log_append fields: a var by name, a placeholder, a literal', async () => {
    s.stderr.length = 0;
    await get(s.port, '/append');
    await until(() => access(s).length >= 1, 'an access line');
    expect(access(s)[0]).toMatchObject({ from_var: 'alice', status_ph: 'alice', literal: 'plain text' });
  });

  it('counts request body bytes the handlers read, not bodies nobody read', async () => {
    s.stderr.length = 0;
    await get(s.port, '/', { method: 'POST', body: 'x'.repeat(100), headers: { 'Content-Type': 'text/plain' } });
    await until(() => access(s).length >= 1, 'an access line');
    expect(access(s)[0]).toMatchObject({ bytes_read: 0, request: { method: 'POST', headers: { 'Content-Length': ['100'] } } });
  });
});

describe('which requests are logged, and by which logger', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serveConfig((port) => ({
      logging: { logs: { default: { writer: { output: 'stderr' }, encoder: { format: 'json' } } } },
      apps: {
        http: {
          servers: {
            logged: {
              listen: [`127.0.0.1:${port}`],
              logs: {
                logger_names: { 'a.test': ['alog'], '*.wild.test': ['wlog'], 'both.test': ['one', 'two'], 'old.test': 'legacy' },
                skip_hosts: ['quiet.test', '*.hush.test'],
              },
              routes: [{ handle: [respond('ok')] }],
            },
          },
        },
      },
    }));
  });
  afterAll(() => s?.stop());

  const loggerFor = async (host: string): Promise<string[]> => {
    s.stderr.length = 0;
    await get(s.port, `/${host}`, { host });
    await get(s.port, '/marker', { host: 'marker.test' });
    await until(() => access(s).some((e) => e.request.host === 'marker.test'), 'the marker line');
    return access(s)
      .filter((e) => e.request.host !== 'marker.test')
      .map((e) => e.logger as string);
  };

  it('maps hosts to logger names (with or without port, wildcards, several names, Caddy 2.6 strings)', async () => {
    expect(await loggerFor('a.test')).toEqual(['http.log.access.alog']);
    expect(await loggerFor(`a.test:${s.port}`)).toEqual(['http.log.access.alog']);
    expect(await loggerFor('x.wild.test')).toEqual(['http.log.access.wlog']);
    expect(await loggerFor('both.test')).toEqual(['http.log.access.one', 'http.log.access.two']);
    expect(await loggerFor('old.test')).toEqual(['http.log.access.legacy']);
    expect(await loggerFor('other.test')).toEqual(['http.log.access']);
  });

  it('skips skip_hosts (exact and wildcard, with a port too)', async () => {
    expect(await loggerFor('quiet.test')).toEqual([]);
    expect(await loggerFor(`quiet.test:${s.port}`)).toEqual([]);
    expect(await loggerFor('x.hush.test')).toEqual([]);
    expect(await loggerFor('hush.test')).toEqual(['http.log.access']);
  });

  it('skip_unmapped_hosts logs only mapped hosts; a server without logs logs nothing', async () => {
    const t = await serveConfig((port) => ({
      logging: { logs: { default: { writer: { output: 'stderr' }, encoder: { format: 'json' } } } },
      apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`], logs: { logger_names: { 'm.test': ['m'] }, skip_unmapped_hosts: true }, routes: [{ handle: [respond('ok')] }] } } } },
    }));
    const u = await serveConfig((port) => ({
      logging: { logs: { default: { writer: { output: 'stderr' }, encoder: { format: 'json' } } } },
      apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [respond('ok')] }] } } } },
    }));
    try {
      await get(t.port, '/', { host: 'u.test' });
      await get(t.port, '/', { host: 'm.test' });
      await get(u.port, '/');
      await until(() => access(t).length >= 1, 'the mapped line');
      await new Promise((r) => setTimeout(r, 50));
      expect(access(t).map((e) => [e.logger, e.request.host])).toEqual([['http.log.access.m', 'm.test']]);
      expect(access(u)).toEqual([]);
    } finally {
      await t.stop();
      await u.stop();
    }
  });

  it('should_log_credentials keeps Authorization and Cookie values', async () => {
    const t = await serveConfig((port) => ({
      logging: { logs: { default: { writer: { output: 'stderr' }, encoder: { format: 'json' } } } },
      apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`], logs: { should_log_credentials: true }, routes: [{ handle: [respond('ok')] }] } } } },
    }));
    try {
      await get(t.port, '/', { headers: { Authorization: 'Bearer tok', Cookie: 'a=b' } });
      await until(() => access(t).length >= 1, 'an access line');
      expect(access(t)[0]!.request.headers).toMatchObject({ Authorization: ['Bearer tok'], Cookie: ['a=b'] });
    } finally {
      await t.stop();
    }
  });
});

describe('size and status as the client saw them', () => {
  it('size counts the bytes sent (compressed by encode); an aborted request logs status 0', async () => {
    const s = await serveConfig((port) => ({
      logging: { logs: { default: { writer: { output: 'stderr' }, encoder: { format: 'json' } } } },
      apps: {
        http: {
          servers: {
            s: {
              listen: [`127.0.0.1:${port}`],
              logs: {},
              routes: [
                { match: [{ path: ['/abort'] }], handle: [{ handler: 'static_response', abort: true }] },
                { handle: [{ handler: 'encode', encodings: { gzip: {} } }, respond('a'.repeat(5000))] },
              ],
            },
          },
        },
      },
    }));
    try {
      const { request } = await import('node:http');
      const received = await new Promise<number>((resolve, reject) => {
        const req = request({ port: s.port, host: '127.0.0.1', path: '/', headers: { 'Accept-Encoding': 'gzip' }, agent: false }, (r) => {
          let n = 0;
          r.on('data', (d: Buffer) => (n += d.length));
          r.on('end', () => resolve(n));
        });
        req.on('error', reject);
        req.end();
      });
      await get(s.port, '/abort').catch(() => {}); // the connection is cut: no response
      await until(() => access(s).length >= 2, 'two access lines');
      const [gz, aborted] = access(s);
      expect(received).toBeLessThan(200);
      expect(gz).toMatchObject({ size: received, status: 200, resp_headers: { 'Content-Encoding': ['gzip'] } });
      expect(aborted).toMatchObject({ size: 0, status: 0, request: { uri: '/abort' } });
    } finally {
      await s.stop();
    }
  });
});
