import { describe, expect, it } from 'vitest';
import { sliceStable } from '../../src/go/sort.js';
import { adaptError, siteRoutes } from './core-harness.js';

const bodies = (routes: { handle?: { body?: string; handler: string }[] }[]) => routes.map((r) => r.handle!.map((h) => h.body ?? h.handler).join('+'));

describe('directive order', () => {
  it('sorts directives by Caddy’s order, not by appearance', () => {
    const routes = siteRoutes(':80 {\n  respond "r"\n  redir /old /new\n  header X-A 1\n}');
    expect(routes.map((r) => r.handle[0].handler)).toEqual(['headers', 'static_response', 'static_response']);
    expect(routes[1]!.match).toEqual([{ path: ['/old'] }]);
  });

  it('same directive: a single longer path goes first', () => {
    const routes = siteRoutes(':80 {\n  respond /a "short"\n  respond /a/b/c "long"\n}');
    expect(bodies(routes)).toEqual(['long', 'short']);
  });

  it('same path up to a trailing wildcard: the exact one first', () => {
    const routes = siteRoutes(':80 {\n  respond /a* "wild"\n  respond /a "exact"\n}');
    expect(bodies(routes)).toEqual(['exact', 'wild']);
  });

  it('a route with a matcher goes before one without', () => {
    const routes = siteRoutes(':80 {\n  @get method GET\n  respond "any"\n  respond @get "get"\n}');
    expect(bodies(routes)).toEqual(['get', 'any']);
  });

  it('several paths are not compared by length (caddy#5037)', () => {
    const routes = siteRoutes(':80 {\n  @two path /aaaa /bbbb\n  respond /x "one"\n  respond @two "two"\n}');
    expect(bodies(routes)).toEqual(['one', 'two']);
  });

  it('vars is reversed: least specific first so the most specific wins', () => {
    const routes = siteRoutes(':80 {\n  vars /specific/path a 1\n  vars a 0\n  respond "x"\n}');
    expect(routes.map((r) => r.match ?? null).slice(0, 2)).toEqual([null, [{ path: ['/specific/path'] }]]);
  });

  it('route blocks keep their directives as written', () => {
    const routes = siteRoutes(':80 {\n  route {\n    respond "r"\n    header X-A 1\n  }\n}');
    // adjacent routes without matchers merge; the handlers stay in written order
    expect(routes[0]!.handle[0].routes[0].handle.map((h: { handler: string }) => h.handler)).toEqual(['static_response', 'headers']);
  });

  it.each([
    ['default', '', ['vars', 'headers', 'static_response']],
    ['first', 'order header first', ['headers', 'vars', 'static_response']],
    ['last', 'order vars last', ['headers', 'static_response', 'vars']],
    ['before', 'order respond before vars', ['static_response', 'vars', 'headers']],
    ['after', 'order vars after respond', ['headers', 'static_response', 'vars']],
  ])('the order option: %s', (_n, line, handlers) => {
    const routes = siteRoutes(`{\n  ${line}\n}\n:80 {\n  respond "x"\n  vars a 1\n  header X 1\n}`);
    expect(routes.flatMap((r) => r.handle.map((h: { handler: string }) => h.handler))).toEqual(handlers);
  });

  it.each([
    ['order nope first', 'nope is not a registered directive'],
    ['order vars sideways', "unknown positional 'sideways'"],
    ['order vars before nope', "directive 'nope' not found"],
  ])('order errors: %s', (line, msg) => {
    expect(adaptError(`{\n  ${line}\n}\n:80 {\n}`)).toContain(msg);
  });

  it('an unordered directive outside route is an error', () => {
    expect(adaptError(':80 {\n  bind 127.0.0.1\n  handle {\n    bind 1.2.3.4\n  }\n}')).toContain(
      "directive 'bind' is not an ordered HTTP handler",
    );
  });
});

describe('Go’s stable sort', () => {
  it('matches Go for an inconsistent comparator (always true except ...)', () => {
    // Caddy's error-route comparator: true unless i has no matcher and j has one.
    const xs = ['m1', 'm2', 'm3'];
    sliceStable(xs, () => true);
    expect(xs).toEqual(['m3', 'm2', 'm1']);
  });

  it('is a stable sort for a proper comparator beyond one insertion block', () => {
    const xs = Array.from({ length: 100 }, (_, i) => ({ k: i % 7, i }));
    sliceStable(xs, (a, b) => a.k < b.k);
    const want = [...xs].sort((a, b) => a.k - b.k || a.i - b.i);
    expect(xs).toEqual(want);
  });
});

describe('registerDirectiveOrder', () => {
  it('places an extension directive relative to a standard one', async () => {
    const { registerDirectiveOrder, directiveOrderOf } = await import('../../src/adapt/order.js');
    registerDirectiveOrder('tsweb_test_dir', 'before', 'respond');
    const order = directiveOrderOf({});
    expect(order.indexOf('tsweb_test_dir')).toBe(order.indexOf('respond') - 1);
    expect(() => registerDirectiveOrder('tsweb_test_dir', 'after', 'respond')).toThrow('already ordered');
    expect(() => registerDirectiveOrder('x2', 'after', 'tsweb_test_dir')).toThrow('standard distribution');
  });
});
