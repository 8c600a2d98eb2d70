// Regression tests for the inputs of issue 10 (found by fuzzing against
// `caddy adapt` 2.6.2). Each case reproduces the original input; the large
// ones are generated here. Expected answers are Caddy's, or a positioned
// error where that is the better answer (noted per case).
import { describe, expect, it } from 'vitest';
import { adaptCaddyfile } from '../../src/adapt/index.js';
import { CaddyfileError } from '../../src/caddyfile/errors.js';
import { formatCaddyfile } from '../../src/caddyfile/formatter.js';
import { tokenize } from '../../src/caddyfile/lexer.js';
import { parseCaddyfile } from '../../src/caddyfile/parser.js';
import type { JSONObject } from '../../src/adapt/types.js';

const adapt = (input: string) => adaptCaddyfile(input, 'Caddyfile', { env: {} });

function adaptError(input: string): CaddyfileError {
  try {
    adapt(input);
  } catch (e) {
    if (e instanceof CaddyfileError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

type Route = { match?: { host?: string[] }[]; handle?: Route[]; routes?: Route[]; body?: string };
const routes = (config: JSONObject): Route[] =>
  ((config.apps as JSONObject).http as { servers: Record<string, { routes: Route[] }> }).servers.srv0!.routes;

describe('1. no stack overflow where Caddy accepts', () => {
  it('519 (and 5,000) site addresses on one line', () => {
    for (const n of [519, 5000]) {
      const hosts = Array.from({ length: n }, (_, i) => `a${i}.com`);
      const { config } = adapt(`${hosts.join(' ')} {\n\trespond x\n}\n`);
      expect(routes(config)[0]!.match![0]!.host).toEqual(hosts);
    }
  });

  it('614 (and 5,000) addresses continued with trailing commas, one per line', () => {
    for (const n of [614, 5000]) {
      const hosts = Array.from({ length: n }, (_, i) => `a${i}.com`);
      const { config } = adapt(`${hosts.map((h) => `${h},\n`).join('')}z.com {\n\trespond x\n}\n`);
      expect(routes(config)[0]!.match![0]!.host).toEqual([...hosts, 'z.com']);
    }
  });

  it('blocks nested 399 deep: `a {` then `route {` 398 times', () => {
    const depth = 398;
    const { config } = adapt(`a {\n${'route {\n'.repeat(depth)}respond x\n${'}\n'.repeat(depth + 1)}`);
    // the site's subroute, then one subroute per `route`
    let r: Route = routes(config)[0]!;
    let levels = 0;
    while (r.handle?.[0]?.routes) {
      r = r.handle[0].routes[0]!;
      levels++;
    }
    expect(levels).toBe(depth + 1);
    expect(r.handle![0]!.body).toBe('x');
  });

  it('nested global options: Caddy\'s "unrecognized global option", not a crash', () => {
    const e = adaptError(`{\n${'a {\n'.repeat(398)}${'}\n'.repeat(399)}b {\n\trespond x\n}\n`);
    expect(e.reason).toContain('unrecognized global option: a');
    expect(e.line).toBe(2);
  });

  it('`not { not { …` 398 deep', () => {
    const depth = 398;
    const { config } = adapt(`a {\n@m {\n${'not {\n'.repeat(depth)}path /x\n${'}\n'.repeat(depth)}}\nrespond @m x\n}\n`);
    const json = JSON.stringify(config);
    let n = 0;
    for (let i = json.indexOf('"not"'); i >= 0; i = json.indexOf('"not"', i + 1)) n++;
    expect(n).toBe(depth);
  });

  it('nesting beyond 512 levels is a positioned error, not a stack overflow', () => {
    const e = adaptError(`a {\n${'route {\n'.repeat(5000)}respond x\n${'}\n'.repeat(5001)}`);
    expect(e.reason).toBe('blocks nested more than 512 deep');
    expect(e.line).toBe(513);
    // the same bound holds for a named route's body, which bypasses the structure pass
    expect(() => parseCaddyfile('Caddyfile', `&(r) {\n${'route {\n'.repeat(600)}${'}\n'.repeat(601)}`, { env: {} })).toThrow(/nested more than 512 deep/);
  });
});

describe('2. the lexer is linear', () => {
  it('a 200,000-character and an 800 KB unquoted token (were 6 s and 138 s)', () => {
    for (const n of [200_000, 800_000]) {
      const start = performance.now();
      const tokens = tokenize(`respond ${'x'.repeat(n)}`, 'Caddyfile');
      expect(tokens[1]!.text.length).toBe(n);
      expect(performance.now() - start).toBeLessThan(2000);
    }
  });

  it('a 10 MB token and 200,000 env placeholders in well under the old times', () => {
    let start = performance.now();
    tokenize(`respond ${'x'.repeat(10_000_000)}`, 'Caddyfile');
    expect(performance.now() - start).toBeLessThan(5000);
    start = performance.now();
    const blocks = parseCaddyfile('Caddyfile', `a {\n\trespond ${'{$X}'.repeat(200_000)}\n}`, { env: { X: 'y' } });
    expect(blocks[0]!.segments[0]![1]!.text).toBe('y'.repeat(200_000));
    expect(performance.now() - start).toBeLessThan(5000);
  });

  it('heredocs are still recognized', () => {
    expect(tokenize('respond <<EOF\n\thi\n\tEOF', 'Caddyfile').map((t) => t.text)).toEqual(['respond', 'hi']);
  });
});

describe('3. no silent config loss: snippets only where a server block starts', () => {
  it('a line-start `(s) {` inside a site without braces is a directive, as in Caddy', () => {
    const e = adaptError('a.com\nrespond x\n(s) {\n\trespond y\n}');
    expect(e.reason).toContain('unrecognized directive: (s)');
    expect(e.line).toBe(3);
  });

  it('a snippet after a braced site, or first in the file, is still a snippet', () => {
    const { config } = adapt('a.com {\n\trespond x\n}\n(s) {\n\trespond y\n}\nb.com {\n\timport s\n}\n');
    expect(routes(config).map((r) => r.match![0]!.host)).toEqual([['a.com'], ['b.com']]);
    expect(JSON.stringify(config)).toContain('"body":"y"');
    const other = adapt('(s) {\n\trespond y\n}\na.com {\n\timport s\n}\n');
    expect(JSON.stringify(other.config)).toContain('"body":"y"');
  });
});

describe('4. block structure as Caddy reads it', () => {
  it('keys on the line of the previous closing brace: two sites', () => {
    const { config } = adapt('a {\n\trespond x\n} b {\n\trespond y\n}');
    expect(routes(config).map((r) => r.match![0]!.host)).toEqual([['a'], ['b']]);
  });

  it('a site on the closing line of the global options block', () => {
    const { config } = adapt('{\n\tdebug\n} a {\n\trespond x\n}');
    expect(config.logging).toEqual({ logs: { default: { level: 'DEBUG' } } });
    expect(routes(config)[0]!.match![0]!.host).toEqual(['a']);
  });

  it('an empty key-less block after the first is dropped, with a warning', () => {
    const { config, warnings } = adapt('a {\n}\n{\n}');
    expect(routes(config)).toHaveLength(1);
    expect(warnings.some((w) => w.line === 3 && w.message.includes('without addresses and without content is ignored'))).toBe(true);
  });

  it('a stray `}` after a site without braces ends it, with a warning', () => {
    const { config, warnings } = adapt('s\n}');
    expect(routes(config)[0]!.match![0]!.host).toEqual(['s']);
    expect(warnings.some((w) => w.line === 2 && w.message.includes("'}' without a matching '{' ends the site block of s"))).toBe(true);
    // what follows the stray brace is a new server block, as in Caddy
    expect(parseCaddyfile('Caddyfile', 's\nrespond x\n}\nb\nrespond y', { env: {} }).map((b) => b.keys.map((k) => k.text))).toEqual([['s'], ['b']]);
  });

  it('a file ending right after an inner block with the outer `}` missing: accepted as Caddy does, with a warning', () => {
    const { config, warnings } = adapt('{\n\tlog {\n\t\toutput file foo.log\n\t}\n');
    expect(JSON.stringify(config.logging)).toContain('"filename":"foo.log"');
    expect(warnings.some((w) => w.line === 4 && w.message.includes('the global options block is not closed'))).toBe(true);
    // ending on anything else is still Caddy's error
    expect(adaptError('a {\n\trespond x\n').reason).toBe("Syntax error: Unexpected token 'x', expecting '}'");
  });

  it('a `}` where a server block should start stays an error (Caddy: "subject does not qualify for certificate: \'}\'")', () => {
    const e = adaptError('a.com {\n}\n}');
    expect(e.reason).toBe("Unexpected '}' because no matching opening brace");
    expect(e.line).toBe(3);
  });
});

describe('5. fmt keeps a line-start {{ word together', () => {
  it.each([
    ['a {\n\t{{x}}\n}\n'],
    ['a {\n\ttemplates {\n\t\tbetween "{{" "}}"\n\t}\n}\n'],
    ['a {\n\ttemplates {\n\t\t{{define "x"}}\n\t}\n}\n'],
    ['a {\n\trespond x {{y}}\n\t{{z}} q\n}\n'],
  ])('%j is already formatted', (input) => {
    expect(formatCaddyfile(input)).toBe(input);
  });

  it('the realistic trigger: `templates { between {{ }} }`', () => {
    const out = formatCaddyfile('a {\n\ttemplates { between {{ }} }\n}');
    expect(out).toBe('a {\n\ttemplates {\n\t\tbetween {{ }}\n\t}\n}\n');
    expect(formatCaddyfile(out)).toBe(out);
    expect(formatCaddyfile('a {\n\ttemplates {\n\t\tbetween {{ }}\n\t}\n}\n')).toBe(out);
  });

  it('indents it when it is not', () => {
    const out = formatCaddyfile('a {\n{{x}}\n   {{y}} z\n}');
    expect(out).toBe('a {\n\t{{x}}\n\t{{y}} z\n}\n');
    expect(formatCaddyfile(out)).toBe(out);
  });
});

describe('6. import expansion is bounded', () => {
  it('a snippet importing another twice, 24 levels: an error naming the import chain', () => {
    let input = '(s0) {\n\trespond x\n}\n';
    for (let i = 1; i <= 24; i++) input += `(s${i}) {\n\timport s${i - 1}\n\timport s${i - 1}\n}\n`;
    input += 'a {\n\timport s24\n}\n';
    const start = performance.now();
    const e = adaptError(input);
    expect(performance.now() - start).toBeLessThan(10_000);
    expect(e.reason).toMatch(/imports to expand|expand to more than/);
    expect(e.message).toContain("import chain ['Caddyfile:101 (import s24)','Caddyfile:97 (import s23)'");
  });

  it('imports nested more than 100 deep', () => {
    let input = '(s0) {\n\trespond x\n}\n';
    for (let i = 1; i <= 150; i++) input += `(s${i}) {\n\timport s${i - 1}\n}\n`;
    input += 'a {\n\timport s150\n}\n';
    const e = adaptError(input);
    expect(e.reason).toBe('imports nested more than 100 deep');
    expect(e.imports).toHaveLength(101);
  });

  it('an ordinary amount of importing is fine', () => {
    let input = '(s) {\n\theader X-A a\n\theader X-B b\n}\n';
    for (let i = 0; i < 1000; i++) input += `s${i}.com {\n\timport s\n}\n`;
    expect(routes(adapt(input).config)).toHaveLength(1000);
  });
});
