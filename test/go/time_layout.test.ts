// Go's time.Format layouts, compiled once (src/go/time_layout.ts): the
// expected strings are what Go prints for 2009-11-10 23:00:00.123456789 UTC
// (the playground's time) and for the same instant at +05:30.
import { describe, expect, it } from 'vitest';
import { compileLayout, formatLayout } from '../../src/go/time_layout.js';

const ms = Date.UTC(2009, 10, 10, 23, 0, 0, 123);
const ns = 123_456_789;
const utc = (layout: string) => compileLayout(layout)(ms, 0, 'UTC', ns);
const ist = (layout: string) => compileLayout(layout)(ms, 330, 'IST', ns);

describe('Go time layouts', () => {
  it.each([
    ['02/Jan/2006:15:04:05 -0700', '10/Nov/2009:23:00:00 +0000'],
    ['Mon, 02 Jan 2006 15:04:05 MST', 'Tue, 10 Nov 2009 23:00:00 UTC'],
    ['Monday January 2 06', 'Tuesday November 10 09'],
    ['3:04PM', '11:00PM'],
    ['03:04:05 pm', '11:00:00 pm'],
    ['2006-01-02T15:04:05.999999999Z07:00', '2009-11-10T23:00:00.123456789Z'],
    ['2006-01-02T15:04:05Z0700', '2009-11-10T23:00:00Z'],
    ['15:04:05.000', '23:00:00.123'],
    ['15:04:05,000000', '23:00:00,123456'],
    ['05.99', '00.12'],
    ['002 __2 _2 1', '314 314 10 11'],
    ['Janet Monkey', 'Janet Monkey'],
    ['-07 -07:00:00', '+00 +00:00:00'],
  ])('%j (UTC)', (layout, want) => {
    expect(utc(layout)).toBe(want);
  });

  it.each([
    ['02/Jan/2006:15:04:05 -0700', '11/Nov/2009:04:30:00 +0530'],
    ['2006-01-02T15:04:05Z07:00 MST', '2009-11-11T04:30:00+05:30 IST'],
    ['Z07', '+05'],
  ])('%j at +05:30', (layout, want) => {
    expect(ist(layout)).toBe(want);
  });

  it('drops trailing zeros of .999 and the point with them', () => {
    expect(compileLayout('05.999')(ms, 0, 'UTC', 100_000_000)).toBe('00.1');
    expect(compileLayout('05.999')(ms, 0, 'UTC', 0)).toBe('00');
    expect(compileLayout('05.000')(ms, 0, 'UTC', 0)).toBe('00.000');
  });

  it('formatLayout gives what the compiled formatter gives', () => {
    expect(formatLayout('2006-01-02 15:04:05.000 MST', ms, 0, 'UTC', ns)).toBe('2009-11-10 23:00:00.123 UTC');
  });
});
