import { describe, expect, it } from 'vitest';
import { atoi, parseBytes, parseCaddyDuration, parseFloat64, parseGoDuration } from '../../src/go/units.js';
import { canonicalHeaderKey } from '../../src/modules/headers/caddyfile_ops.js';

describe('durations (Go time.ParseDuration, Caddy adds d)', () => {
  it.each([
    ['0', 0],
    ['1s', 1e9],
    ['1.5h', 5400e9],
    ['1h2m3s4ms5us6ns', 3723004005006],
    ['-2m', -120e9],
    ['300ms', 3e8],
    ['1µs', 1000],
    // Go truncates a fraction to whole nanoseconds rather than rounding.
    ['1.5ns', 1],
    ['1.9999999999s', 1999999999],
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
    ['1h 2m', 'time: unknown unit "h " in duration "1h 2m"'],
    ['9999999999999h', 'time: invalid duration "9999999999999h"'],
  ])('rejects %j', (s, msg) => {
    expect(() => parseGoDuration(s)).toThrow(msg);
  });
  it.each([
    ['1 d', 'strconv.ParseFloat: parsing "1 ": invalid syntax'],
    ['xd', 'strconv.ParseFloat: parsing "x": invalid syntax'],
  ])('caddy rejects %j', (s, msg) => {
    expect(() => parseCaddyDuration(s)).toThrow(msg);
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

describe('numbers (Go strconv)', () => {
  it('atoi takes a signed decimal only', () => {
    expect(atoi('-42')).toBe(-42);
    expect(() => atoi('4.2')).toThrow('strconv.Atoi: parsing "4.2": invalid syntax');
    expect(() => atoi(' 1')).toThrow('strconv.Atoi: parsing " 1": invalid syntax');
  });
  it.each([
    ['0.25', 0.25],
    ['.5', 0.5],
    ['1.', 1],
    ['-2e3', -2000],
  ])('parseFloat64 %s', (s, n) => {
    expect(parseFloat64(s)).toBe(n);
  });
  it.each(['', '1/3', '0x10', ' 1'])('parseFloat64 rejects %j', (s) => {
    expect(() => parseFloat64(s)).toThrow(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
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
