// RFC 9111 freshness, age and storability as pure functions over explicit clocks.
import { describe, expect, it } from 'vitest';
import { parseCacheControl, validTargeted } from '../../../src/modules/cache/cache_control.js';
import { parseHttpDate } from '../../../src/modules/cache/http_date.js';
import { currentAge, freshnessLifetime, initialAge, notStorable, type StoreInput, staleOnError, timingOf, usable } from '../../../src/modules/cache/freshness.js';

const cc = parseCacheControl;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const http = (t: number) => new Date(t).toUTCString();

const base: StoreInput = { status: 200, res: cc(''), req: cc(''), expires: undefined, vary: [], authorization: false, authInKey: false, bypassRequest: false, bypassResponse: false };

describe('Cache-Control parsing', () => {
  it('reads arguments, quoted lists, several lines and keeps the first of a repeated directive', () => {
    const d = cc(['public, max-age=60', 'no-cache="Set-Cookie, X-A", max-age=5, S-MAXAGE=30']);
    expect([...d]).toEqual([
      ['public', true],
      ['max-age', '60'],
      ['no-cache', 'Set-Cookie, X-A'],
      ['s-maxage', '30'],
    ]);
  });
});

describe('CDN-Cache-Control as a Structured Field (RFC 9213 §2.1)', () => {
  it('is used only when it parses and max-age is an integer', () => {
    expect(validTargeted('max-age=10000, stale-if-error=60, no-store, x-ext="a b", y=tok, z=?1')).toBe(true);
    expect(validTargeted('max-age=10000, &&&&&')).toBe(false);
    expect(validTargeted('max-age="10000"')).toBe(false);
    expect(validTargeted('Max-Age=10')).toBe(false);
  });
});

describe('storability (§3, §3.5)', () => {
  it('stores a plain 200 and refuses no-store, private, Vary: * and uncacheable statuses', () => {
    expect(notStorable(base)).toBeNull();
    expect(notStorable({ ...base, res: cc('no-store') })).toBe('NO-STORE-DIRECTIVE');
    expect(notStorable({ ...base, req: cc('no-store') })).toBe('NO-STORE-DIRECTIVE');
    expect(notStorable({ ...base, res: cc('private, max-age=60') })).toBe('PRIVATE-OR-AUTHENTICATED-RESPONSE');
    expect(notStorable({ ...base, vary: ['*'] })).toBe('UPSTREAM-VARY-STAR');
    expect(notStorable({ ...base, status: 500 })).toBe('UNCACHEABLE-STATUS-CODE');
    expect(notStorable({ ...base, status: 206 })).toBe('UNCACHEABLE-STATUS-CODE');
  });

  it('stores a status that is not cacheable by default only with explicit freshness', () => {
    expect(notStorable({ ...base, status: 302 })).toBe('UNCACHEABLE-STATUS-CODE');
    expect(notStorable({ ...base, status: 302, res: cc('max-age=60') })).toBeNull();
  });

  it('stores a response to an Authorization request only with public, s-maxage or must-revalidate, or with Authorization in the key', () => {
    const auth = { ...base, authorization: true };
    expect(notStorable(auth)).toBe('PRIVATE-OR-AUTHENTICATED-RESPONSE');
    expect(notStorable({ ...auth, res: cc('max-age=60') })).toBe('PRIVATE-OR-AUTHENTICATED-RESPONSE');
    for (const ok of ['public', 's-maxage=10', 'must-revalidate']) expect(notStorable({ ...auth, res: cc(ok) })).toBeNull();
    expect(notStorable({ ...auth, authInKey: true })).toBeNull();
  });

  it('must-understand stores a status the cache knows despite no-store, and nothing it does not', () => {
    expect(notStorable({ ...base, res: cc('must-understand, no-store') })).toBeNull();
    expect(notStorable({ ...base, status: 299, res: cc('must-understand, max-age=60') })).toBe('UNCACHEABLE-STATUS-CODE');
  });

  it('mode bypass_response stores what the response forbids; bypass_request ignores the request', () => {
    expect(notStorable({ ...base, res: cc('no-store, private'), bypassResponse: true })).toBeNull();
    expect(notStorable({ ...base, req: cc('no-store'), bypassRequest: true })).toBeNull();
  });
});

describe('freshness lifetime and age (§4.2.1, §4.2.3)', () => {
  it('s-maxage wins over max-age, max-age over Expires, and the ttl applies without any', () => {
    expect(freshnessLifetime(cc('max-age=60, s-maxage=5'), undefined, undefined, T0, 120_000, false)).toBe(5_000);
    expect(freshnessLifetime(cc('max-age=60'), http(T0 + 10_000), http(T0), T0, 120_000, false)).toBe(60_000);
    expect(freshnessLifetime(cc(''), http(T0 + 10_000), http(T0), T0, 120_000, false)).toBe(10_000);
    expect(freshnessLifetime(cc(''), 'yesterday-ish', undefined, T0, 120_000, false)).toBe(0);
    expect(freshnessLifetime(cc(''), undefined, undefined, T0, 120_000, false)).toBe(120_000);
    expect(freshnessLifetime(cc('max-age=1'), undefined, undefined, T0, 120_000, true)).toBe(120_000);
    expect(freshnessLifetime(cc('max-age=abc'), undefined, undefined, T0, 120_000, false)).toBe(0);
  });

  it('age counts the Age header, the transit delay and the Date skew', () => {
    expect(initialAge('30', http(T0), T0, T0 + 2_000)).toBe(32_000);
    expect(initialAge(undefined, http(T0 - 50_000), T0, T0)).toBe(50_000);
    const t = timingOf(cc('max-age=60'), { age: '10' }, T0, T0, 120_000, 0, false);
    expect(currentAge(t, T0 + 5_000)).toBe(15_000);
  });
});

describe('answering from a stored response (§4.2, §5.2.1)', () => {
  const t = timingOf(cc('max-age=60'), {}, T0, T0, 120_000, 0, false);

  it('is fresh until max-age, then needs validation', () => {
    expect(usable(t, cc(''), T0 + 59_000, false)).toBe('fresh');
    expect(usable(t, cc(''), T0 + 61_000, false)).toBe('validate');
  });

  it('honours the request\'s no-cache, max-age, min-fresh and max-stale, unless bypass_request', () => {
    expect(usable(t, cc('no-cache'), T0 + 1_000, false)).toBe('validate');
    expect(usable(t, cc('max-age=10'), T0 + 20_000, false)).toBe('validate');
    expect(usable(t, cc('max-age=10'), T0 + 5_000, false)).toBe('fresh');
    expect(usable(t, cc('min-fresh=30'), T0 + 40_000, false)).toBe('validate');
    expect(usable(t, cc('max-stale=30'), T0 + 80_000, false)).toBe('stale-ok');
    expect(usable(t, cc('max-stale'), T0 + 10_000_000, false)).toBe('stale-ok');
    expect(usable(t, cc('no-cache'), T0 + 1_000, true)).toBe('fresh');
  });

  it('serves stale within the origin\'s stale-while-revalidate (not the configured stale), never past must-revalidate', () => {
    const swr = timingOf(cc('max-age=60, stale-while-revalidate=30'), {}, T0, T0, 120_000, 0, false);
    expect(usable(swr, cc(''), T0 + 80_000, false)).toBe('stale-revalidate');
    expect(usable(swr, cc(''), T0 + 95_000, false)).toBe('validate');
    const cfg = timingOf(cc('max-age=60'), {}, T0, T0, 120_000, 10_000, false);
    expect(usable(cfg, cc(''), T0 + 65_000, false)).toBe('validate');
    const must = timingOf(cc('max-age=60, must-revalidate, stale-while-revalidate=30'), {}, T0, T0, 120_000, 0, false);
    expect(usable(must, cc('max-stale=100'), T0 + 65_000, false)).toBe('validate');
  });

  it('no-cache responses are validated before every use', () => {
    const nc = timingOf(cc('no-cache, max-age=60'), {}, T0, T0, 120_000, 0, false);
    expect(usable(nc, cc(''), T0 + 1, false)).toBe('validate');
  });

  it('stale-if-error: the response\'s window, the request\'s, or the configured stale', () => {
    const sie = timingOf(cc('max-age=60, stale-if-error=100'), {}, T0, T0, 120_000, 0, false);
    expect(staleOnError(sie, cc(''), T0 + 150_000)).toBe(true);
    expect(staleOnError(sie, cc(''), T0 + 170_000)).toBe(false);
    expect(staleOnError(t, cc('stale-if-error=30'), T0 + 80_000)).toBe(true);
    expect(staleOnError(t, cc(''), T0 + 80_000)).toBe(false);
    expect(staleOnError(timingOf(cc('max-age=60'), {}, T0, T0, 0, 3_600_000, false), cc(''), T0 + 600_000)).toBe(true);
  });
});

describe('HTTP-date and Age, strictly (cache-tests freshness-expires-invalid-*, age-parse-*)', () => {
  it('reads the three HTTP-date forms and nothing looser', () => {
    const t = Date.UTC(1994, 10, 6, 8, 49, 37);
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(t);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(t);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(t);
    for (const bad of ['Sun, 06 Nov 1994 08:49:37 UTC', 'Sun 06 Nov 1994 08:49:37 GMT', 'Sun, 06  Nov 1994 08:49:37 GMT', 'Sun, 06-Nov-1994 08:49:37 GMT', 'Sun, 06 Nov 1994 8:49:37 GMT', 'Sun, 06 Nov 1994 08.49.37 GMT', '0', '']) {
      expect(parseHttpDate(bad), bad).toBeUndefined();
    }
    expect(parseHttpDate(['Sun, 06 Nov 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 08:49:37 GMT'])).toBeUndefined();
    expect(parseHttpDate('SUN, 06 NOV 1994 08:49:37 gmt')).toBe(t);
  });

  it('an invalid Expires is already expired; an invalid Age is ignored; the first Age member counts', () => {
    expect(freshnessLifetime(cc(''), 'Sun, 06 Nov 2094 08:49:37 UTC', undefined, T0, 120_000, false)).toBe(0);
    expect(initialAge('7200.0', undefined, T0, T0)).toBe(0);
    expect(initialAge('7200, 0', undefined, T0, T0)).toBe(7_200_000);
    expect(initialAge(['0', '7200'], undefined, T0, T0)).toBe(0);
  });
});
