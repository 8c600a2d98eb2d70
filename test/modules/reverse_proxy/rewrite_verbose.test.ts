// reverse_proxy's `rewrite` with the rewrite module's path and query options
// (strip_path_prefix / _suffix, uri_substring, path_regexp, query), applied
// to the upstream request only (later handlers and the log keep the
// client's), on the fast path (GET) and the general path (POST); and
// verbose_logs' debug lines for a retry and a finished response.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../../support/client.js';
import { Runtime } from '../../../src/runtime/runtime.js';
import { freePort, logCollector } from '../../support/net.js';
import { type Backend, echoBackend } from './backends.js';

describe('reverse_proxy rewrite options and verbose_logs', () => {
  let up: Backend;
  let port: number;
  let stop: () => Promise<void>;
  const { log, lines } = logCollector();
  let deadPort: number;
  beforeAll(async () => {
    up = await echoBackend('up');
    port = await freePort();
    deadPort = await freePort();
    const rp = (rewrite: Record<string, unknown>) => ({ handler: 'reverse_proxy', upstreams: [{ dial: up.dial }], rewrite });
    const routes = [
      { match: [{ path: ['/api/*'] }], handle: [rp({ strip_path_prefix: '/api' })] },
      { match: [{ path: ['*.json'] }], handle: [rp({ strip_path_suffix: '.json' })] },
      { match: [{ path: ['/sub/*'] }], handle: [rp({ uri_substring: [{ find: 'old', replace: 'new' }] })] },
      { match: [{ path: ['/re/*'] }], handle: [rp({ path_regexp: [{ find: '/re/(\\d+)', replace: '/item/$1' }] })] },
      { match: [{ path: ['/q/*'] }], handle: [rp({ query: { set: [{ key: 'a', val: '1' }], delete: ['drop'] }, method: 'PUT' })] },
      {
        match: [{ path: ['/verbose/*'] }],
        handle: [{ handler: 'reverse_proxy', verbose_logs: true, upstreams: [{ dial: up.dial }] }],
      },
      {
        match: [{ path: ['/verbose-dead/*'] }],
        handle: [{ handler: 'reverse_proxy', verbose_logs: true, upstreams: [{ dial: `127.0.0.1:${deadPort}` }], load_balancing: { retries: 1, try_interval: '10ms' } }],
      },
    ];
    // The runtime's log gets the lines from DEBUG up, as a user's `log { level DEBUG }` would.
    const runtime = new Runtime({ log });
    await runtime.load({ logging: { logs: { default: { level: 'DEBUG' } } }, apps: { http: { servers: { srv0: { listen: [`127.0.0.1:${port}`], routes } } } } });
    stop = () => runtime.stop();
  });
  afterAll(async () => {
    await stop?.();
    await up?.close();
  });

  const seen = async (path: string, body?: string) => {
    const r = await send(port, path, body === undefined ? {} : { method: 'POST', body });
    expect(r.status).toBe(200);
    return JSON.parse(r.body.toString()) as { url: string; method: string; bodyLength: number };
  };

  it('strip_path_prefix and strip_path_suffix, on both paths', async () => {
    expect((await seen('/api/users?x=1')).url).toBe('/users?x=1');
    const post = await seen('/api/users', 'hello');
    expect([post.url, post.method, post.bodyLength]).toEqual(['/users', 'POST', 5]);
    expect((await seen('/data/list.json')).url).toBe('/data/list');
  });

  it('uri_substring and path_regexp', async () => {
    expect((await seen('/sub/old/path')).url).toBe('/sub/new/path');
    expect((await seen('/re/42/x')).url).toBe('/item/42/x');
    expect((await seen('/re/42/x', 'b')).url).toBe('/item/42/x');
  });

  it('query operations with a method change', async () => {
    const r = await seen('/q/x?drop=1&keep=2');
    expect(r.method).toBe('PUT');
    expect(r.url).toBe('/q/x?a=1&keep=2');
  });

  it('verbose_logs: "response finalized" after an answer, "retrying" before another try', async () => {
    expect((await send(port, '/verbose/a')).status).toBe(200);
    expect(lines.some((l) => l.level === 'debug' && l.logger === 'http.handlers.reverse_proxy' && l.msg === 'response finalized')).toBe(true);
    expect((await send(port, '/verbose-dead/a')).status).toBe(502);
    const retrying = lines.filter((l) => l.msg === 'retrying');
    expect(retrying).toHaveLength(1);
    expect(retrying[0]!.level).toBe('debug');
    expect(retrying[0]!.fields.error).toMatch(/connection refused/);
    expect(retrying[0]!.fields.after).toBe('10ms');
  });
});
