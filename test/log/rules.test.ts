// The rules that decide what a log line says and where it goes, checked
// against Caddy's: which logs take which logger names (include/exclude,
// longest namespace wins), IP masking, durations as Go prints them.
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/log/filters.js';
import { loggerAllowed } from '../../src/log/logging.js';
import { goDurationString } from '../../src/log/value.js';

describe('include/exclude (Caddy CustomLog.loggerAllowed)', () => {
  const cases: Array<[string[], string[], string, boolean]> = [
    [[], [], 'http.log.access', true],
    [['http.log.access.log0'], [], 'http.log.access.log0', true],
    [['http.log.access.log0'], [], 'http.log.access.log01', false],
    [['http.log.access.log0'], [], 'http.log.access', false],
    [['http.log.access'], [], 'http.log.access.log0', true],
    [[], ['http.log.access.log0'], 'http.log.access.log0', false],
    [[], ['http.log.access.log0'], 'http.log.access.log1', true],
    [[], ['http.log.access'], 'http.log.access.log0', false],
    [['http.log.access.log0'], ['http.log.access'], 'http.log.access.log0', true],
    [['http'], ['http.log'], 'http.log.error', false],
    [['http'], ['http.log'], 'http.handlers', true],
    [[], ['*'], 'http.log', false],
    [[], ['.'], '', false],
  ];
  it.each(cases)('include %j exclude %j: %s → %s', (inc, exc, name, want) => {
    expect(loggerAllowed(inc, exc, name)).toBe(want);
  });
});

describe('ip_mask', () => {
  const f = compileFilter({ filter: 'ip_mask', ipv4_cidr: 24, ipv6_cidr: 32 }, 'x');
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['2001:db8:abcd:12::1', '2001:db8::'],
    ['203.0.113.77:5555', '203.0.113.0:5555'],
    ['[2001:db8:abcd::1]:443', '[2001:db8::]:443'],
    ['10.1.2.3, 192.168.7.9', '10.1.2.0, 192.168.7.0'],
    ['not-an-ip', 'not-an-ip'],
  ])('%s → %s', (input, want) => {
    expect(f(input)).toBe(want);
    expect(f([input])).toEqual([want]);
  });
});

describe('Go duration strings (duration_format string)', () => {
  it.each([
    [0, '0s'],
    [450, '450ns'],
    [1_500, '1.5µs'],
    [3_200_000, '3.2ms'],
    [1_500_000_000, '1.5s'],
    [62_500_000_000, '1m2.5s'],
    [3_723_000_000_000, '1h2m3s'],
  ])('%d ns → %s', (ns, want) => {
    expect(goDurationString(ns)).toBe(want);
  });
});
