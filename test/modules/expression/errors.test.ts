/**
 * Bad expressions fail the load with Caddy's chain, "compiling CEL
 * program:" and cel-go's position and caret; an expression that fails while
 * evaluating a request logs "evaluating expression" and sends that request
 * to the error routes with 500 (newer Caddy's MatchWithError), without
 * touching other requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { respond, send, site, type Site } from '../../support/client.js';
import { freePort, logCollector, serve } from '../../support/net.js';
import { serveSite } from './support.js';

const chain = "loading new config: loading http app module: provision http: server srv0: setting up route matchers: route 0: loading matcher modules: module name 'expression': provision http.matchers.expression: ";

async function loadError(expression: unknown): Promise<string> {
  let s: Site | undefined;
  try {
    s = await site([{ match: [{ expression }], handle: [respond('x')] }]);
  } catch (err) {
    return (err as Error).message;
  }
  await s.stop();
  return 'loaded';
}

describe('load-time errors', () => {
  it.each([
    ["path('/a') && && method('GET')", "compiling CEL program: ERROR: <input>:1:15: Syntax error: Unexpected token: AND\n | path('/a') && && method('GET')\n | ..............^"],
    ["path('/a') &&\n  (method('GET') ||", 'compiling CEL program: ERROR: <input>:2:20: Syntax error: Unexpected token: EOF\n |   (method(\'GET\') ||\n | ...................^'],
    ['path()', 'compiling CEL program: ERROR: <input>:1:1: matcher requires at least one argument\n | path()\n | ^'],
    ['path(1)', 'compiling CEL program: ERROR: <input>:1:6: matcher arguments must be string constants\n | path(1)\n | .....^'],
    ["header('X-Foo')", "compiling CEL program: ERROR: <input>:1:8: matcher requires a map literal argument\n | header('X-Foo')\n | .......^"],
    ["query({'a': 1})", "compiling CEL program: ERROR: <input>:1:13: matcher map values must be string or list literals\n | query({'a': 1})\n | ............^"],
    ["file({'nope': 'x'})", "compiling CEL program: ERROR: <input>:1:6: matcher requires either a map or string literal argument\n | file({'nope': 'x'})\n | .....^"],
    ["protocol('a', 'b')", "compiling CEL program: ERROR: <input>:1:1: found no matching overload for 'protocol(string, string)'\n | protocol('a', 'b')\n | ^"],
    // Positions refer to the text with placeholders rewritten, which the error shows (as Caddy's do).
    ['{http.request.uri.path} == 1 +', 'compiling CEL program: ERROR: <input>:1:40: Syntax error: Unexpected token: EOF\n | ph(req, "http.request.uri.path") == 1 +\n | .......................................^'],
    ['{http.vars.flag}', 'CEL request matcher expects return type of bool, not dyn'],
    ["remote_ip('forwarded')", "compiling CEL program: the 'forwarded' option is no longer supported; use the 'client_ip' matcher instead"],
    ["path_regexp('(')", 'compiling CEL program: compiling matcher regexp (: error parsing regexp: missing closing ): `(`'],
    [{ expr: "path('/')", nme: 'x' }, 'json: unknown field "nme"'],
  ])('%j', async (expression, message) => {
    expect(await loadError(expression)).toBe(chain + message);
  });

  it('the Caddyfile form fails the same way', async () => {
    await expect(serveSite("\t@bad `path('/a') && && true`\n\trespond @bad 1")).rejects.toThrow("compiling CEL program: ERROR: <input>:1:15: Syntax error: Unexpected token: AND\n | path('/a') && && true\n | ..............^");
  });

  it('a good expression loads', async () => {
    expect(await loadError("path('/a') && method('GET')")).toBe('loaded');
  });
});

describe('evaluation errors', () => {
  const { log, lines } = logCollector();
  let port = 0;
  let stop = async () => {};
  beforeAll(async () => {
    port = await freePort();
    ({ stop } = await serve(
      {
        servers: {
          srv0: {
            listen: [`127.0.0.1:${port}`],
            routes: [
              { match: [{ expression: 'int({http.request.uri.query.n}) > 5' }], handle: [respond('big')], terminal: true },
              { handle: [respond('small')] },
            ],
            errors: { routes: [{ handle: [respond('error route {http.error.status_code}')] }] },
          },
        },
      },
      log,
    ));
  });
  afterAll(() => stop());

  it('a failing evaluation is a 500 through the error routes, logged', async () => {
    const bad = await send(port, '/?n=abc');
    expect([bad.status, bad.text]).toEqual([500, 'error route 500']);
    const entry = lines.find((l) => l.msg === 'evaluating expression');
    expect(entry?.level).toBe('error');
    expect(entry?.logger).toBe('http.matchers.expression');
    expect(String(entry?.fields['error'])).toMatch(/int/);
  });

  it('other requests are unaffected', async () => {
    expect((await send(port, '/?n=9')).text).toBe('big');
    expect((await send(port, '/?n=1')).text).toBe('small');
  });
});
