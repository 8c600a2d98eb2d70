import { describe, expect, it } from 'vitest';
import { adaptError, runDirectives } from '../../adapt/handlers-harness.js';

const loc = (to: string) => ({ Location: [to] });

describe('redir', () => {
  it.each([
    ['redir https://example.com{uri}', undefined, { status_code: 302, headers: loc('https://example.com{uri}') }],
    ['redir * /new permanent', undefined, { status_code: 301, headers: loc('/new') }],
    ['redir /old /new', [{ path: ['/old'] }], { status_code: 302, headers: loc('/new') }],
    ['redir /old /new temporary', [{ path: ['/old'] }], { status_code: 302, headers: loc('/new') }],
    ['redir /old /new 308', [{ path: ['/old'] }], { status_code: 308, headers: loc('/new') }],
    ['redir * /login 401', undefined, { status_code: 401, headers: loc('/login') }],
    ['redir * /x {vars.code}', undefined, { status_code: '{vars.code}', headers: loc('/x') }],
  ])('%s', (src, match, cfg) => {
    expect(runDirectives(src).values[0]!.value).toEqual({ ...(match ? { match } : {}), handle: [{ handler: 'static_response', ...cfg }] });
  });

  it('html: a 200 page that redirects browsers, with the target escaped', () => {
    const [h] = (runDirectives('redir * /a?b=1&c="2" html').values[0]!.value as { handle: Record<string, unknown>[] }).handle;
    expect(h).toMatchObject({ handler: 'static_response', status_code: 200, headers: { 'Content-Type': ['text/html; charset=utf-8'] } });
    expect(h!.body).toContain('<script>window.location.replace("/a?b=1&amp;c=&#34;2&#34;");</script>');
    expect(h!.body).toContain(`<meta http-equiv="refresh" content="0; URL='/a?b=1&amp;c=&#34;2&#34;'">`);
    expect(h).not.toHaveProperty('headers.Location');
  });

  it.each([
    ['redir', 'Wrong argument count'],
    // A lone path is taken as a path matcher, which leaves no target (as in Caddy).
    ['redir /new', 'Wrong argument count'],
    ['redir * /x 200', "Redir code not in the 3xx range or 401: '200'"],
    ['redir * /x 404', "Redir code not in the 3xx range or 401: '404'"],
    ['redir * /x moved', "Not a supported redir code type or not valid integer: 'moved'"],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});
