import { describe, expect, it } from 'vitest';
import { parseHTTPDate, parseHTTPTime } from '../../src/go/http_date.js';

const T = Date.UTC(1994, 10, 6, 8, 49, 37);

describe("Go's http.ParseTime (file_server's conditional requests)", () => {
  it.each([
    ['Sun, 06 Nov 1994 08:49:37 GMT', T],
    ['Sunday, 06-Nov-94 08:49:37 GMT', T],
    ['Sun Nov  6 08:49:37 1994', T],
    // The weekday is read for its spelling only; names in any case.
    ['Fri, 06 Nov 1994 08:49:37 GMT', T],
    ['SUN, 06 NOV 1994 08:49:37 GMT', T],
    ['sunday, 06-nov-94 08:49:37 GMT', T],
    // A layout space takes any run of spaces; asctime's day takes one or two digits.
    ['Sun,  06 Nov 1994 08:49:37 GMT', T],
    ['Sun Nov 6 08:49:37 1994', T],
    ['Sun Nov 06 08:49:37 1994', T],
    // A one-digit hour, and a fraction of a second after the seconds.
    ['Sun, 06 Nov 1994 8:49:37 GMT', T],
    ['Sun, 06 Nov 1994 08:49:37.25 GMT', T + 250],
    ['Sun Nov  6 08:49:37,5 1994', T + 500],
    // RFC 850's zone is any abbreviation, read as UTC; its year is 19yy from 69.
    ['Sunday, 06-Nov-94 08:49:37 UTC', T],
    ['Sunday, 06-Nov-94 08:49:37 PST', T],
    ['Sunday, 06-Nov-94 08:49:37 GMT+3', T],
    ['Thursday, 01-Jan-70 00:00:00 GMT', 0],
    ['Sunday, 06-Nov-68 08:49:37 GMT', Date.UTC(2068, 10, 6, 8, 49, 37)],
    ['Tue, 29 Feb 2000 12:00:00 GMT', Date.UTC(2000, 1, 29, 12)],
    ['  Sun, 06 Nov 1994 08:49:37 GMT ', T],
  ])('%s', (text, ms) => {
    expect(parseHTTPTime(text)).toBe(ms);
  });

  it.each([
    '',
    'Sun, 06 Nov 1994 08:49:37 gmt', // GMT is a literal of http.TimeFormat
    'Sun, 06 Nov 1994 08:49:37 UTC',
    'Sun 06 Nov 1994 08:49:37 GMT',
    'Sun, 6 Nov 1994 08:49:37 GMT',
    'Sun, 06-Nov-1994 08:49:37 GMT',
    'Sun, 06 Nov 94 08:49:37 GMT',
    'Sun, 06 Nov 1994 08.49.37 GMT',
    'Sun, 06 Nov 1994 24:00:00 GMT',
    'Sun, 06 Nov 1994 08:60:00 GMT',
    'Sun, 06 Nov 1994 08:49:60 GMT',
    'Sun, 06 Nov 1994 08:49:7 GMT',
    'Wed, 31 Jun 1994 08:49:37 GMT', // day out of range
    'Mon, 29 Feb 1900 08:49:37 GMT',
    'Sun, 00 Nov 1994 08:49:37 GMT',
    'Sun, 06 Nox 1994 08:49:37 GMT',
    'Sux, 06 Nov 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 08:49:37 GMT extra',
    'Sunday, 06-Nov-94 08:49:37 GMT+30',
    'Sunday, 06-Nov-94 08:49:37 Gmt',
    'Sunday, 06-Nov-94 08:49:37 ABCDEF',
    'Sun Nov  6 08:49:37 94',
    'Sun Nov  6 08:49:37 1994 GMT',
    '1994-11-06T08:49:37Z',
    '784111777',
  ])('refuses %j', (text) => {
    expect(parseHTTPTime(text)).toBeUndefined();
  });
});

describe("RFC 9110's HTTP-date, strictly (the cache's Expires, Date, Last-Modified)", () => {
  it.each([
    ['Sun, 06 Nov 1994 08:49:37 GMT', T],
    ['Sunday, 06-Nov-94 08:49:37 GMT', T],
    ['Sun Nov  6 08:49:37 1994', T],
    ['Sun Nov 16 08:49:37 1994', Date.UTC(1994, 10, 16, 8, 49, 37)],
    ['SUN, 06 NOV 1994 08:49:37 gmt', T],
    // A leap second.
    ['Sat, 31 Dec 2016 23:59:60 GMT', Date.UTC(2017, 0, 1)],
  ])('%s', (text, ms) => {
    expect(parseHTTPDate(text)).toBe(ms);
  });

  it('reads a two-digit year as the one within 50 years from now', () => {
    const yy = (new Date().getUTCFullYear() + 51) % 100;
    const text = `Sunday, 06-Nov-${String(yy).padStart(2, '0')} 08:49:37 GMT`;
    expect(new Date(parseHTTPDate(text)!).getUTCFullYear()).toBe(new Date().getUTCFullYear() + 51 - 100);
  });

  it.each([
    'Sun, 06 Nov 1994 08:49:37 UTC',
    'Sun 06 Nov 1994 08:49:37 GMT',
    'Sun, 06  Nov 1994 08:49:37 GMT',
    'Sun, 06-Nov-1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 8:49:37 GMT',
    'Sun, 06 Nov 1994 08.49.37 GMT',
    'Sun, 06 Nov 1994 08:49:37.5 GMT',
    'Sunday, 06-Nov-94 08:49:37 PST',
    'Sun Nov 6 08:49:37 1994',
    'Sun Nov   6 08:49:37 1994',
    'Wed, 31 Jun 1994 08:49:37 GMT',
    '0',
    '',
  ])('refuses %j', (text) => {
    expect(parseHTTPDate(text)).toBeUndefined();
  });
});
