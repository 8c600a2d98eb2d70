import { describe, expect, it } from 'vitest';
import { parseBytes, parseCaddyDuration, parseGoDuration } from '../../src/adapt/units.js';
import { canonicalHeaderKey } from '../../src/adapt/headerops.js';

describe('durations (Go time.ParseDuration, Caddy adds d)', () => {
  it.each([
    ['0', 0],
    ['1s', 1e9],
    ['1.5h', 5400e9],
    ['1h2m3s4ms5us6ns', 3723004005006],
    ['-2m', -120e9],
    ['300ms', 3e8],
    ['1µs', 1000],
  ])('%s', (s, ns) => {
    expect(parseGoDuration(s)).toBe(ns);
  });
  it.each([
    ['7d', 604800e9],
    ['1d12h', 129600e9],
    ['0.5d', 43200e9],
  ])('caddy %s', (s, ns) => {
    expect(parseCaddyDuration(s)).toBe(ns);
  });
  it.each([
    ['', 'time: invalid duration ""'],
    ['5', 'time: missing unit in duration "5"'],
    ['5x', 'time: unknown unit "x" in duration "5x"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['.s', 'time: invalid duration ".s"'],
  ])('rejects %j', (s, msg) => {
    expect(() => parseGoDuration(s)).toThrow(msg);
  });
});

describe('sizes (go-humanize ParseBytes)', () => {
  it.each([
    ['10MB', 10_000_000],
    ['10mb', 10_000_000],
    ['1KiB', 1024],
    ['1.5 GB', 1_500_000_000],
    ['1,000', 1000],
    ['42', 42],
    ['2k', 2000],
  ])('%s', (s, n) => {
    expect(parseBytes(s)).toBe(n);
  });
  it.each([
    ['MB', 'strconv.ParseFloat: parsing "": invalid syntax'],
    ['10 zonks', 'unhandled size name: zonks'],
  ])('rejects %j', (s, msg) => {
    expect(() => parseBytes(s)).toThrow(msg);
  });
});

describe('canonicalHeaderKey (Go CanonicalMIMEHeaderKey)', () => {
  it.each([
    ['content-type', 'Content-Type'],
    ['X-FORWARDED-FOR', 'X-Forwarded-For'],
    ['www-authenticate', 'Www-Authenticate'],
    ['bad header', 'bad header'],
    ['{http.header}', '{http.header}'],
  ])('%s', (a, b) => {
    expect(canonicalHeaderKey(a)).toBe(b);
  });
});
