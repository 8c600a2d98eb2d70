// The route list semantics of Caddy's routes.go, through the compiler the
// engine uses: which handlers run, in which order, for which request.
// Matchers and handlers here are test modules registered under test_* names
// so the list logic is checked on its own, independent of the real matchers.
import { describe, expect, it } from 'vitest';
import { newScope, ProvisionError } from '../../../src/apps/http/provision.js';
import { registerHandler, registerMatcher } from '../../../src/core/registry.js';
import { compileRouteList } from '../../../src/apps/http/routes.js';
import { type Ctx, HandlerError } from '../../../src/core/types.js';

// A request as the route list sees it: a path, and a trace of what ran.
interface TestCtx {
  path: string;
  trace: string[];
  error?: HandlerError;
  w: { headersSent: boolean; statusCode: number };
  repl: { set(): void; get(): unknown; delete(): void };
}

function request(path: string, error?: HandlerError): TestCtx {
  return { path, trace: [], error, w: { headersSent: false, statusCode: 200 }, repl: { set() {}, get() {}, delete() {} } };
}

registerMatcher('test_prefix', (config) => {
  const prefix = String(config);
  return (ctx) => ctx.path.startsWith(prefix);
});
registerMatcher('test_suffix', (config) => {
  const suffix = String(config);
  return (ctx) => ctx.path.endsWith(suffix);
});
registerMatcher('test_throws', () => () => {
  throw new HandlerError(403, 'matcher says no');
});

/** Records its name, then continues. */
registerHandler('test_mark', (config) => async (ctx, next) => {
  (ctx as unknown as TestCtx).trace.push(String(config.name));
  await next();
});
/** Records its name and stops the chain (a responder). */
registerHandler('test_respond', (config) => async (ctx) => {
  (ctx as unknown as TestCtx).trace.push(String(config.name));
});
/** Records before and after the rest of the chain. */
registerHandler('test_around', (config) => async (ctx, next) => {
  const t = (ctx as unknown as TestCtx).trace;
  t.push(`${config.name}:before`);
  await next();
  t.push(`${config.name}:after`);
});
registerHandler('test_next_twice', () => async (_ctx, next) => {
  await next();
  await next();
});
registerHandler('test_bad_config', (config) => {
  if (config.size === undefined) throw new Error('size is required');
  return (_ctx, next) => next();
});

const mark = (name: string) => ({ handler: 'test_mark', name });
const respond = (name: string) => ({ handler: 'test_respond', name });

async function run(routes: unknown[], path: string, error?: HandlerError): Promise<string[]> {
  const handler = compileRouteList(routes, newScope(), ['test']);
  const ctx = request(path, error);
  await handler(ctx as unknown as Ctx, async () => {
    ctx.trace.push('outer-next');
  });
  return ctx.trace;
}

describe('matcher sets', () => {
  const route = { match: [{ test_prefix: '/api', test_suffix: '.json' }, { test_prefix: '/public' }], handle: [mark('hit')] };

  it.each([
    ['/api/x.json', ['hit', 'outer-next']],
    ['/api/x.html', ['outer-next']], // AND inside a set: the suffix fails
    ['/other/x.json', ['outer-next']], // AND: the prefix fails
    ['/public/anything', ['hit', 'outer-next']], // OR between sets
  ])('%s', async (path, trace) => {
    expect(await run([route], path)).toEqual(trace);
  });

  it('a route without match, or with an empty list or empty set, matches everything', async () => {
    expect(await run([{ handle: [mark('a')] }, { match: [], handle: [mark('b')] }, { match: [{}], handle: [mark('c')] }], '/x')).toEqual(['a', 'b', 'c', 'outer-next']);
  });

  it('a matcher that throws fails the request with its error', async () => {
    await expect(run([{ match: [{ test_throws: true }], handle: [mark('never')] }], '/')).rejects.toMatchObject({ status: 403 });
  });
});

describe('order, chaining and terminal', () => {
  it('routes run in order, each route\'s handlers in order, then the outer next', async () => {
    const routes = [{ handle: [mark('1a'), mark('1b')] }, { handle: [mark('2')] }];
    expect(await run(routes, '/')).toEqual(['1a', '1b', '2', 'outer-next']);
  });

  it('a handler wraps everything after it, across routes', async () => {
    const routes = [{ handle: [{ handler: 'test_around', name: 'w' }] }, { handle: [mark('inner')] }];
    expect(await run(routes, '/')).toEqual(['w:before', 'inner', 'outer-next', 'w:after']);
  });

  it('a handler that does not call next stops the chain', async () => {
    expect(await run([{ handle: [respond('r'), mark('never')] }, { handle: [mark('never2')] }], '/')).toEqual(['r']);
  });

  it('a terminal route stops after its handlers: no later route, no outer next', async () => {
    const routes = [{ handle: [mark('t')], terminal: true }, { handle: [mark('never')] }];
    expect(await run(routes, '/')).toEqual(['t']);
  });

  it('a terminal route that does not match does not stop anything', async () => {
    const routes = [{ match: [{ test_prefix: '/no' }], handle: [mark('t')], terminal: true }, { handle: [mark('later')] }];
    expect(await run(routes, '/yes')).toEqual(['later', 'outer-next']);
  });

  it('a terminal route in error handling ends with the error\'s status', async () => {
    const handler = compileRouteList([{ handle: [mark('t')], terminal: true }], newScope(), ['test']);
    const ctx = request('/', new HandlerError(418, 'teapot'));
    await handler(ctx as unknown as Ctx, async () => {});
    expect(ctx.w.statusCode).toBe(418);
  });
});

describe('groups', () => {
  const handleBlocks = [
    { group: 'g0', match: [{ test_prefix: '/api' }], handle: [mark('api')] },
    { group: 'g0', match: [{ test_prefix: '/api/v2' }], handle: [mark('api-v2')] },
    { group: 'g0', handle: [mark('fallback')] },
    { handle: [mark('ungrouped')] },
  ];

  it.each([
    ['/api/v2/x', ['api', 'ungrouped', 'outer-next']], // first match wins, even if a later one is more specific
    ['/api/x', ['api', 'ungrouped', 'outer-next']],
    ['/other', ['fallback', 'ungrouped', 'outer-next']],
  ])('only the first matching route of a group runs: %s', async (path, trace) => {
    expect(await run(handleBlocks, path)).toEqual(trace);
  });

  it('groups are exclusive across nested lists within one request, and fresh for the next request', async () => {
    const scope = newScope();
    const inner = compileRouteList([{ group: 'g', handle: [mark('inner')] }], scope, ['t']);
    registerHandler('test_nested_g', () => inner);
    const routes = [{ group: 'g', handle: [mark('outer')] }, { handle: [{ handler: 'test_nested_g' }] }];
    expect(await run(routes, '/')).toEqual(['outer', 'outer-next']);
    expect(await run([{ handle: [{ handler: 'test_nested_g' }] }], '/')).toEqual(['inner', 'outer-next']);
  });
});

describe('guards and provisioning errors', () => {
  it('a handler calling next twice gets an error instead of a second run', async () => {
    const routes = [{ handle: [{ handler: 'test_next_twice' }, mark('once')] }];
    const handler = compileRouteList(routes, newScope(), ['test']);
    const ctx = request('/');
    await expect(handler(ctx as unknown as Ctx, async () => {})).rejects.toThrow('next() more than once');
    expect(ctx.trace).toEqual(['once']);
  });

  it('an unknown handler is a config error naming it and where it is', () => {
    expect(() => compileRouteList([{ handle: [mark('a')] }, { handle: [{ handler: 'no_such_thing' }] }], newScope(), ['server srv0'])).toThrow(
      new ProvisionError(['server srv0', 'route 1', 'loading handler modules', 'position 0', "loading module 'no_such_thing'", 'unknown module: http.handlers.no_such_thing']),
    );
  });

  it('an unknown matcher is a config error naming it', () => {
    expect(() => compileRouteList([{ match: [{ no_such_matcher: 1 }], handle: [] }], newScope(), ['s'])).toThrow(
      "s: route 0: loading matcher modules: module name 'no_such_matcher': unknown module: http.matchers.no_such_matcher",
    );
  });

  it('a module rejecting its config gives the whole chain', () => {
    expect(() => compileRouteList([{ handle: [{ handler: 'test_bad_config' }] }], newScope(), ['s'])).toThrow(
      "s: route 0: loading handler modules: position 0: loading module 'test_bad_config': provision http.handlers.test_bad_config: size is required",
    );
  });

  it('a handler without a name is rejected', () => {
    expect(() => compileRouteList([{ handle: [{ body: 'x' }] }], newScope(), ['s'])).toThrow(/module name not specified with key 'handler'/);
  });
});
