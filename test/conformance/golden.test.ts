import { describe, expect, it } from 'vitest';
import { adaptCaddyfile } from '../../src/adapt/index.js';
import { describeDifference, firstDifference, runGolden, splitGolden } from '../../src/conformance/golden.js';

// Golden-file inputs in the format of Caddy's caddytest/integration/caddyfile_adapt
// tests (Apache-2.0); the first is Caddy's own respond example.
const respondGolden = `:80 {
	respond "hello"
}
----------
{
	"apps": {
		"http": {
			"servers": {
				"srv0": {
					"listen": [
						":80"
					],
					"routes": [
						{
							"handle": [
								{
									"body": "hello",
									"handler": "static_response"
								}
							]
						}
					]
				}
			}
		}
	}
}
`;

const adapt = (caddyfile: string) => adaptCaddyfile(caddyfile, 'Caddyfile', { env: {} });

describe('splitGolden', () => {
  it('splits at the dashes, trims, and parses expected JSON', () => {
    const c = splitGolden('x.caddyfiletest', `\n\n:80 {\n}\n\n----------\r\n{"a": [1]}\r\n`);
    expect(c.caddyfile).toBe(':80 {\n}\n');
    expect(c.expected).toEqual({ kind: 'json', value: { a: [1] } });
  });

  it('treats output that does not start with { as an expected error substring', () => {
    const c = splitGolden('x', ':80 {\n\tbogus\n}\n----------\nunrecognized directive: bogus\n');
    expect(c.expected).toEqual({ kind: 'error', substring: 'unrecognized directive: bogus' });
  });

  it.each([
    ['no separator', ':80 {\n}\n', 'no "----------" line'],
    ['broken JSON', ':80\n----------\n{"a": }', 'expected output is not valid JSON'],
  ])('rejects a malformed golden file: %s', (_name, text, message) => {
    expect(() => splitGolden('x', text)).toThrow(message);
  });
});

describe('firstDifference', () => {
  it.each([
    ['equal, key order ignored', { a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, null],
    ['changed value', { a: { b: [1, 2] } }, { a: { b: [1, 3] } }, { path: 'a.b[1]', expected: 2, actual: 3 }],
    ['missing key', { a: 1, b: 2 }, { a: 1 }, { path: 'b', expected: 2 }],
    ['extra key', { a: 1 }, { a: 1, z: true }, { path: 'z', actual: true }],
    ['shorter array', [1, 2], [1], { path: '[1]', expected: 2 }],
    ['longer array', [1], [1, 2], { path: '[1]', actual: 2 }],
    ['type change', { a: '1' }, { a: 1 }, { path: 'a', expected: '1', actual: 1 }],
    ['null vs object', { a: null }, { a: {} }, { path: 'a', expected: null, actual: {} }],
    ['key needing quotes', { 'a.b': 1 }, { 'a.b': 2 }, { path: '["a.b"]', expected: 1, actual: 2 }],
    ['array order matters', [1, 2], [2, 1], { path: '[0]', expected: 1, actual: 2 }],
  ])('%s', (_name, expected, actual, diff) => {
    expect(firstDifference(expected, actual)).toEqual(diff);
  });

  it('describes a difference on one line with truncated values', () => {
    const long = 'x'.repeat(500);
    const line = describeDifference({ path: 'apps.http', expected: long, actual: 'y' });
    expect(line).toMatch(/^apps\.http: expected "x+\.\.\., got "y"$/);
    expect(line.length).toBeLessThan(150);
    expect(describeDifference({ path: 'a', expected: 1 })).toBe('a: missing, expected 1');
    expect(describeDifference({ path: 'a', actual: 1 })).toBe('a: unexpected 1');
  });
});

describe('runGolden with the real adapter', () => {
  it('passes a matching golden file', () => {
    expect(runGolden(splitGolden('respond', respondGolden), adapt)).toEqual({ name: 'respond', pass: true });
  });

  it('fails with the first differing JSON path', () => {
    const wrong = respondGolden.replace('"body": "hello"', '"body": "goodbye"');
    const r = runGolden(splitGolden('respond', wrong), adapt);
    expect(r.pass).toBe(false);
    expect(r.reason).toBe('apps.http.servers.srv0.routes[0].handle[0].body: expected "goodbye", got "hello"');
  });

  it('fails when the adapter errors on a file that expects JSON', () => {
    const broken = respondGolden.replace('respond "hello"', 'respnod "hello"');
    const r = runGolden(splitGolden('typo', broken), adapt);
    expect(r.pass).toBe(false);
    expect(r.reason).toContain('unrecognized directive: respnod');
    expect(r.reason).not.toContain('\n');
  });

  it('passes when the expected error substring is in the message', () => {
    const golden = ':80 {\n\trespnod "hello"\n}\n----------\nunrecognized directive: respnod';
    expect(runGolden(splitGolden('err', golden), adapt).pass).toBe(true);
  });

  it('fails when the error message differs', () => {
    const golden = ':80 {\n\trespnod "hello"\n}\n----------\nsomething else entirely';
    const r = runGolden(splitGolden('err', golden), adapt);
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/^expected an error containing "something else entirely", got ".*respnod/);
  });

  it('fails when an error was expected but the Caddyfile adapted', () => {
    const golden = ':80 {\n\trespond "hello"\n}\n----------\nunrecognized directive';
    const r = runGolden(splitGolden('err', golden), adapt);
    expect(r).toEqual({ name: 'err', pass: false, reason: 'expected an error containing "unrecognized directive", but it adapted' });
  });

  it('reports an adapter crash instead of throwing', () => {
    const crash = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'x')");
    };
    const r = runGolden(splitGolden('respond', respondGolden), crash);
    expect(r).toEqual({ name: 'respond', pass: false, reason: "TypeError: Cannot read properties of undefined (reading 'x')" });
  });
});
