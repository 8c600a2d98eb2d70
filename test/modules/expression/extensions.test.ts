/**
 * The cel-go extensions Caddy's CEL environment enables (ext.Strings,
 * ext.Lists, ext.Math, ext.Bindings) and the standard-library conversions
 * the library lacked, with the examples from cel-go's own documentation of
 * each function as the expected values. Every row is an expression that
 * must be true, served by one real server (a route per row, picked by an
 * X-Case header); rows that read the request use placeholders. Then the
 * runtime errors (a 500 through the error routes, logged with cel-go's
 * text) and the load-time errors (cel-go's message and position).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { respond, send, site } from '../../support/client.js';
import { freePort, logCollector, serve } from '../../support/net.js';

/** [label, expression that must be true, request path, request headers]. */
type Row = [string, string, string?, Record<string, string>?];

const rows: Row[] = [
  // ext.Strings
  ['charAt', "'hello'.charAt(4) == 'o' && 'hello'.charAt(5) == ''"],
  ['charAt code points', "'😀abc'.charAt(1) == 'a' && '😀abc'.charAt(0) == '😀'"],
  ['indexOf', "'hello mellow'.indexOf('') == 0 && 'hello mellow'.indexOf('ello') == 1 && 'hello mellow'.indexOf('jello') == -1"],
  ['indexOf offset', "'hello mellow'.indexOf('', 2) == 2 && 'hello mellow'.indexOf('ello', 2) == 7 && 'hello mellow'.indexOf('ello', 20) == -1"],
  ['indexOf code points', "'😀abc'.indexOf('a') == 1 && '😀a😀b'.indexOf('b', 2) == 3"],
  ['lastIndexOf', "'hello mellow'.lastIndexOf('') == 12 && 'hello mellow'.lastIndexOf('ello') == 7 && 'hello mellow'.lastIndexOf('jello') == -1"],
  ['lastIndexOf offset', "'hello mellow'.lastIndexOf('ello', 6) == 1 && 'hello mellow'.lastIndexOf('ello', 20) == -1"],
  ['lowerAscii', "'TacoCat'.lowerAscii() == 'tacocat' && 'TacoCÆt Xii'.lowerAscii() == 'tacocÆt xii'"],
  ['upperAscii', "'TacoCat'.upperAscii() == 'TACOCAT' && 'TacoCÆt Xii'.upperAscii() == 'TACOCÆT XII'"],
  ['replace', "'hello hello'.replace('he', 'we') == 'wello wello' && 'hello hello'.replace('he', 'we', -1) == 'wello wello'"],
  ['replace n', "'hello hello'.replace('he', 'we', 1) == 'wello hello' && 'hello hello'.replace('he', 'we', 0) == 'hello hello'"],
  ['replace empty', "'hello hello'.replace('', '_') == '_h_e_l_l_o_ _h_e_l_l_o_' && 'hello hello'.replace('h', '') == 'ello ello'"],
  ['split', "'hello hello hello'.split(' ') == ['hello', 'hello', 'hello'] && 'hello hello hello'.split(' ', 0) == []"],
  ['split n', "'hello hello hello'.split(' ', 1) == ['hello hello hello'] && 'hello hello hello'.split(' ', 2) == ['hello', 'hello hello'] && 'hello hello hello'.split(' ', -1).size() == 3"],
  ['split code points', "'a😀b'.split('') == ['a', '😀', 'b']"],
  ['substring', "'tacocat'.substring(4) == 'cat' && 'tacocat'.substring(0, 4) == 'taco' && '😀abc'.substring(1) == 'abc'"],
  ['trim', "'  \\ttrim\\n    '.trim() == 'trim' && '\\u0085x\\u00a0'.trim() == 'x' && '\\ufeffx'.trim() == '\\ufeffx'"],
  ['reverse', "'gums'.reverse() == 'smug' && 'John Smith'.reverse() == 'htimS nhoJ' && 'a😀'.reverse() == '😀a'"],
  ['join', "['hello', 'mellow'].join() == 'hellomellow' && ['hello', 'mellow'].join(' ') == 'hello mellow' && [].join('/') == ''"],
  ['quote', "strings.quote('single-quote with \"double quote\"') == '\"single-quote with \\\\\"double quote\\\\\"\"' && strings.quote('two escape sequences \\a\\n') == '\"two escape sequences \\\\a\\\\n\"'"],
  ['format %s %d', "'this is a string: %s, and an integer: %d'.format(['str', 42]) == 'this is a string: str, and an integer: 42'"],
  ['format %%', "'a double substituted with %%s: %s'.format([64.2]) == 'a double substituted with %s: 64.2'"],
  ['format timestamp duration', "'%s %s'.format([timestamp('2023-02-03T23:31:20+00:00'), duration('1h45m47s')]) == '2023-02-03T23:31:20Z 6347s'"],
  ['format %f %e', "'%f'.format([3.14]) == '3.140000' && '%.3f'.format([3.14159]) == '3.142' && '%e'.format([2.71828]) == '2.718280e+00'"],
  ['format %b %x %X %o', "'%b %x %X %o'.format([5, 26, 26, 30]) == '101 1a 1A 36' && '%x'.format(['Hi']) == '4869' && '%b'.format([true]) == '1'"],
  ['format lists and maps', "'%s'.format([[1, 'a', {'b': 2.5, 'a': true}]]) == '[1, a, {a: true, b: 2.5}]' && '%s'.format([null]) == 'null'"],
  ['format large double', "'%s'.format([1e21]) == '1000000000000000000000' && '%d'.format([0.0000001]) == '0.0000001'"],
  // ext.Lists
  ['slice', '[1, 2, 3, 4].slice(1, 3) == [2, 3] && [1, 2, 3, 4].slice(2, 4) == [3, 4]'],
  ['flatten', '[1, [2, 3], [4]].flatten() == [1, 2, 3, 4] && [1, [2, [3, 4]]].flatten() == [1, 2, [3, 4]] && [1, 2, [], [], [3, 4]].flatten() == [1, 2, 3, 4]'],
  ['flatten depth', '[1, [2, [3, [4]]]].flatten(2) == [1, 2, 3, [4]]'],
  ['sort', "[3, 2, 1].sort() == [1, 2, 3] && ['b', 'c', 'a'].sort() == ['a', 'b', 'c'] && [2.5, 1u, 0].size() == 3"],
  ['sortBy', "[{'name': 'foo', 'score': 0}, {'name': 'bar', 'score': -10}, {'name': 'baz', 'score': 1000}].sortBy(e, e.score).map(e, e.name) == ['bar', 'foo', 'baz']"],
  ['sortBy expression', '[-3, 1, -2].sortBy(x, math.abs(x)) == [1, -2, -3]'],
  ['lists.range', 'lists.range(5) == [0, 1, 2, 3, 4] && lists.range(0) == []'],
  ['list reverse', '[5, 3, 1, 2].reverse() == [2, 1, 3, 5]'],
  ['distinct', "[1, 2, 2, 3, 3, 3].distinct() == [1, 2, 3] && ['b', 'b', 'c', 'a', 'c'].distinct() == ['b', 'c', 'a'] && [1, 'b', 2, 'b'].distinct() == [1, 'b', 2]"],
  ['distinct numbers across kinds', '[1, 1.0, 1u, 2].distinct() == [1, 2]'],
  // ext.Math
  ['greatest', 'math.greatest(1) == 1 && math.greatest(1u, 2u) == 2u && math.greatest(-42.0, -21.5, -100.0) == -21.5 && math.greatest([-42.0, -21.5, -100.0]) == -21.5'],
  ['least', 'math.least(1) == 1 && math.least(1u, 2u) == 1u && math.least(-42.0, -21.5, -100.0) == -100.0 && math.least([-42.0, -21.5, -100.0]) == -100.0'],
  ['greatest mixed', 'math.greatest(1, 2.5) == 2.5 && math.least(3, 2.5, 2u) == 2u'],
  ['bitOr bitAnd bitXor', 'math.bitOr(1u, 2u) == 3u && math.bitOr(-2, -4) == -2 && math.bitAnd(3u, 2u) == 2u && math.bitAnd(3, 5) == 1 && math.bitAnd(-3, -5) == -7 && math.bitXor(3u, 5u) == 6u && math.bitXor(1, 3) == 2'],
  ['bitNot', 'math.bitNot(1) == -2 && math.bitNot(-1) == 0 && math.bitNot(0u) == 18446744073709551615u'],
  ['bitShiftLeft', 'math.bitShiftLeft(1, 2) == 4 && math.bitShiftLeft(-1, 2) == -4 && math.bitShiftLeft(1u, 2) == 4u && math.bitShiftLeft(1u, 200) == 0u'],
  ['bitShiftRight', 'math.bitShiftRight(1024, 2) == 256 && math.bitShiftRight(1024u, 2) == 256u && math.bitShiftRight(1024u, 64) == 0u && math.bitShiftRight(-1, 60) == 15'],
  ['rounding', 'math.ceil(1.2) == 2.0 && math.ceil(-1.2) == -1.0 && math.floor(1.2) == 1.0 && math.floor(-1.2) == -2.0 && math.trunc(-1.3) == -1.0 && math.trunc(1.3) == 1.0'],
  ['round halves away from zero', 'math.round(1.2) == 1.0 && math.round(1.5) == 2.0 && math.round(-1.5) == -2.0 && math.round(2.5) == 3.0'],
  ['abs sign', 'math.abs(-1) == 1 && math.abs(1) == 1 && math.abs(-2.5) == 2.5 && math.sign(-42) == -1 && math.sign(0) == 0 && math.sign(42) == 1 && math.sign(-0.5) == -1.0 && math.sign(3u) == 1u'],
  ['float predicates', 'math.isInf(1.0/0.0) && !math.isInf(1.2) && math.isNaN(0.0/0.0) && !math.isNaN(1.2) && !math.isFinite(0.0/0.0) && math.isFinite(1.2) && math.isNaN(math.sign(0.0/0.0))'],
  ['sqrt', 'math.sqrt(81) == 9.0 && math.sqrt(985.25) == 31.388692231439016 && math.sqrt(4u) == 2.0 && math.isNaN(math.sqrt(-15))'],
  // ext.Bindings and the standard library
  ['cel.bind', "cel.bind(a, 'hello', a + ' ' + a) == 'hello hello' && cel.bind(x, 2, cel.bind(y, x * x, y + x)) == 6"],
  ['timestamp and duration conversions', "string(timestamp('2023-01-01T00:00:00Z')) == '2023-01-01T00:00:00Z' && string(duration('1h')) == '3600s' && int(timestamp('2023-01-01T00:00:00Z')) == 1672531200"],
  ['identity conversions', "timestamp(timestamp('2023-01-01T00:00:00Z')) == timestamp('2023-01-01T00:00:00Z') && duration(duration('90s')) == duration('1m30s')"],
  ['global matches (RE2)', "matches('abc', '^a') && !matches('abc', '^b')"],
  // Over request values.
  ['path segments', "{http.request.uri.path}.split('/').reverse()[0] == 'c' && {http.request.uri.path}.split('/').slice(1, 3).join('-') == 'a-b'", '/a/b/c'],
  ['header as numbers', 'math.greatest(int({http.request.header.X-A}), int({http.request.header.X-B})) == 7', '/', { 'X-A': '7', 'X-B': '3' }],
  ['header case', "({http.request.header.X-Name} + 'Æ').lowerAscii() == 'erikÆ' && {http.request.header.X-Name}.indexOf('K') == 3", '/', { 'X-Name': 'ERIK' }],
  ['format of request values (types checked per request)', "'%s %s'.format([{http.request.method}, {http.request.uri.path}]) == 'GET /f'", '/f'],
  ['sortBy over a placeholder list', "{http.request.uri.query.l}.split(',').sortBy(s, s.size()) == ['c', 'bb', 'aaa']", '/?l=aaa,bb,c'],
];

const caseIds = new Map<string, string>();
let port = 0;
let stop = async () => {};
const { log, lines } = logCollector();

beforeAll(async () => {
  port = await freePort();
  const routes = rows.map(([label, expression], i) => {
    caseIds.set(label, String(i));
    return { match: [{ header: { 'X-Case': [String(i)] }, expression }], handle: [respond('yes')], terminal: true };
  });
  const errorRoutes = [
    ['slice', "[1, 2].slice(1, 5) == [2]"],
    ['abs', 'math.abs(int({http.request.uri.query.n})) > 0'],
    ['shift', 'math.bitShiftLeft(1, int({http.request.uri.query.n})) > 0'],
    ['sort', "[1, {http.request.uri.query.n}].sort().size() == 2"],
    // Not a list literal, so only the request can tell (cel-go checks literal lists at load, as tested below).
    ['format', "'%s %s'.format({http.request.uri.query.n}.split(',')) == ''"],
    ['greatest', 'math.greatest(dyn({http.request.uri.query.n})) == 1'],
    ['indexOf', "{http.request.uri.path}.indexOf('a', -1) == 0"],
  ].map(([name, expression]) => ({ match: [{ header: { 'X-Error': [name] }, expression }], handle: [respond('yes')], terminal: true }));
  ({ stop } = await serve(
    {
      servers: {
        srv0: {
          listen: [`127.0.0.1:${port}`],
          routes: [...routes, ...errorRoutes, { handle: [respond('no')] }],
          errors: { routes: [{ handle: [respond('error {http.error.status_code}')] }] },
        },
      },
    },
    log,
  ));
});
afterAll(() => stop());

describe('cel-go extensions on real requests', () => {
  it.each(rows.map((r) => [r[0], r] as const))('%s', async (_label, row) => {
    const [label, , path = '/', headers = {}] = row;
    const r = await send(port, path, { headers: { ...headers, 'X-Case': caseIds.get(label)! } });
    expect(r.text).toBe('yes');
  });
});

describe('runtime errors: 500 through the error routes, logged with cel-go’s text', () => {
  it.each([
    ['slice', '/', 'cannot slice(1, 5), list is length 2'],
    ['abs', '/?n=-9223372036854775808', 'integer overflow'],
    ['shift', '/?n=-2', 'math.bitShiftLeft() negative offset: -2'],
    ['sort', '/?n=x', 'list elements must have the same type'],
    ['format', '/?n=1', 'index 1 out of range'],
    ['greatest', '/?n=x', 'no such overload: math.@max'],
    ['indexOf', '/abc', 'index out of range: -1'],
  ])('%s', async (name, path, message) => {
    const r = await send(port, path, { headers: { 'X-Error': name } });
    expect([r.status, r.text]).toEqual([500, 'error 500']);
    const entry = lines.filter((l) => l.msg === 'evaluating expression').find((l) => String(l.fields['error']).includes(message));
    expect(entry?.logger).toBe('http.matchers.expression');
  });
});

async function loadError(expression: string): Promise<string> {
  try {
    const s = await site([{ match: [{ expression }], handle: [respond('x')] }]);
    await s.stop();
    return 'loaded';
  } catch (err) {
    const message = (err as Error).message;
    return message.slice(message.indexOf('compiling CEL program: '));
  }
}

describe('load-time errors in cel-go’s shape', () => {
  it.each([
    ['math.greatest()', "compiling CEL program: ERROR: <input>:1:1: math.greatest() requires at least one argument\n | math.greatest()\n | ^"],
    ["math.least('string') == 1", "compiling CEL program: ERROR: <input>:1:12: math.least() invalid single argument value\n | math.least('string') == 1\n | ...........^"],
    ["math.greatest(1, 'a') == 1", "compiling CEL program: ERROR: <input>:1:18: math.greatest() simple literal arguments must be numeric\n | math.greatest(1, 'a') == 1\n | .................^"],
    ['math.greatest([]) == 1', 'compiling CEL program: ERROR: <input>:1:15: math.greatest() invalid single argument value\n | math.greatest([]) == 1\n | ..............^'],
    // Positions hold where a method runs under its cel-go version (renamed internally, same length).
    ["'abc'.indexOf(1) == 0", "compiling CEL program: ERROR: <input>:1:1: found no matching overload for 'string.indexOf(int)'\n | 'abc'.indexOf(1) == 0\n | ^"],
    ['math.ceil(1) == 1.0', "compiling CEL program: ERROR: <input>:1:1: found no matching overload for 'math.ceil(int)'\n | math.ceil(1) == 1.0\n | ^"],
    ['[1].sortBy(1, 1) == [1]', 'compiling CEL program: ERROR: <input>:1:12: argument is not an identifier\n | [1].sortBy(1, 1) == [1]\n | ...........^'],
    // string.format with a literal format and argument list is checked at load, as cel-go's validator does.
    ["'%d %d'.format([1]) == ''", "compiling CEL program: ERROR: <input>:1:15: index 1 out of range\n | '%d %d'.format([1]) == ''\n | ..............^"],
    ["'%d'.format([1, 2]) == ''", "compiling CEL program: ERROR: <input>:1:12: too many arguments supplied to string.format (expected 1, got 2)\n | '%d'.format([1, 2]) == ''\n | ...........^"],
    ["'%d'.format(['a']) == ''", "compiling CEL program: ERROR: <input>:1:14: error during formatting: decimal clause can only be used on ints, uints, and doubles, was given string\n | '%d'.format(['a']) == ''\n | .............^"],
    ["'%q'.format([1]) == ''", "compiling CEL program: ERROR: <input>:1:12: could not parse formatting clause: unrecognized formatting clause \"q\"\n | '%q'.format([1]) == ''\n | ...........^"],
    ["'%.101f'.format([1.0]) == ''", "compiling CEL program: ERROR: <input>:1:16: could not parse formatting clause: error while parsing precision: precision 101 exceeds maximum allowed precision 100\n | '%.101f'.format([1.0]) == ''\n | ...............^"],
    ['cel.bind(a.b, 1, 2) == 2', 'compiling CEL program: ERROR: <input>:1:12: cel.bind() variable names must be simple identifiers\n | cel.bind(a.b, 1, 2) == 2\n | ...........^'],
    ["[[1]].sort() == []", "compiling CEL program: ERROR: <input>:1:1: found no matching overload for 'list.sort()'\n | [[1]].sort() == []\n | ^"],
  ])('%j', async (expression, message) => {
    expect(await loadError(expression)).toBe(message);
  });
});
