/**
 * RFC 9111 for a shared cache: may a response be stored (§3, §3.5), how
 * long it stays fresh (§4.2.1), how old it is (§4.2.3), and whether a stored
 * one may answer a request (§4.2, §5.2.1). Pure functions over times in
 * milliseconds, so they are tested with fake clocks.
 */
import type { HeaderValue } from '../../core/response.js';
import { type Directives, seconds } from './cache_control.js';
import { parseHttpDate } from './http_date.js';

/** Statuses cacheable without explicit freshness (§4.2.2, RFC 9110 §15.1); 206 is left out: ranges are not stored. */
const HEURISTIC = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]);

export interface StoreInput {
  status: number;
  res: Directives;
  req: Directives;
  expires: HeaderValue | undefined;
  vary: string[];
  authorization: boolean;
  /** Authorization is part of the key (key.headers), so one user's response never answers another. */
  authInKey: boolean;
  bypassRequest: boolean;
  bypassResponse: boolean;
}

/** Why a response is not stored (Souin's detail words), or null when it may be. */
export function notStorable(s: StoreInput): string | null {
  if (s.status < 200 || s.status === 206 || s.status === 304) return 'UNCACHEABLE-STATUS-CODE';
  if (!s.bypassRequest && s.req.has('no-store')) return 'NO-STORE-DIRECTIVE';
  if (!s.bypassResponse) {
    // must-understand (§5.2.2.3): a cache that knows the status's caching rules may ignore no-store.
    const understood = s.res.has('must-understand') && HEURISTIC.has(s.status);
    if (s.res.has('must-understand') && !understood) return 'UNCACHEABLE-STATUS-CODE';
    if (s.res.has('no-store') && !understood) return 'NO-STORE-DIRECTIVE';
    // A private with field names still lets the rest be shared (§5.2.2.7); tsweb keeps it simple: not stored.
    if (s.res.has('private')) return 'PRIVATE-OR-AUTHENTICATED-RESPONSE';
  }
  if (s.authorization && !s.authInKey && !s.res.has('public') && !s.res.has('s-maxage') && !s.res.has('must-revalidate')) {
    return 'PRIVATE-OR-AUTHENTICATED-RESPONSE';
  }
  if (s.vary.includes('*')) return 'UPSTREAM-VARY-STAR';
  const explicit = s.res.has('s-maxage') || s.res.has('max-age') || s.expires !== undefined || s.res.has('public');
  if (!HEURISTIC.has(s.status) && !(explicit && !s.bypassResponse)) return 'UNCACHEABLE-STATUS-CODE';
  return null;
}

const headerDate = parseHttpDate;

/** The first member of the first Age line, when it is delta-seconds; an invalid Age is ignored (§5.1). */
function ageSeconds(v: HeaderValue | undefined): number {
  if (v === undefined) return 0;
  const first = String(Array.isArray(v) ? v[0] : v).split(',')[0]!.trim();
  return /^\d+$/.test(first) ? Math.min(Number(first), 2 ** 31) : 0;
}

/**
 * §4.2.1: s-maxage, then max-age, then Expires - Date; without any, the
 * configured ttl (cache-handler's heuristic). An unparsable Expires means
 * already expired.
 */
export function freshnessLifetime(res: Directives, expires: HeaderValue | undefined, date: HeaderValue | undefined, responseTime: number, ttlMs: number, bypassResponse: boolean): number {
  if (bypassResponse) return ttlMs;
  const s = seconds(res, 's-maxage') ?? seconds(res, 'max-age');
  if (s !== undefined) return s;
  if (expires !== undefined) {
    const exp = headerDate(expires);
    if (exp === undefined) return 0;
    return Math.max(0, exp - (headerDate(date) ?? responseTime));
  }
  return ttlMs;
}

/** §4.2.3 corrected_initial_age. */
export function initialAge(age: HeaderValue | undefined, date: HeaderValue | undefined, requestTime: number, responseTime: number): number {
  const d = headerDate(date);
  const apparent = d === undefined ? 0 : Math.max(0, responseTime - d);
  const corrected = ageSeconds(age) * 1000 + (responseTime - requestTime);
  return Math.max(apparent, corrected);
}

/** What the cache knows of a stored response's timing. */
export interface Timing {
  /** Date.now() when the response arrived. */
  responseTime: number;
  initialAgeMs: number;
  lifetimeMs: number;
  /** stale-while-revalidate / stale-if-error windows, ms past expiry. */
  swrMs: number;
  sieMs: number;
  /** must-revalidate, proxy-revalidate or s-maxage: never served stale (§4.2.4). */
  mustRevalidate: boolean;
  /** no-cache without field names: validated before every use (§5.2.2.4). */
  noCache: boolean;
}

export function currentAge(t: Timing, now: number): number {
  return t.initialAgeMs + Math.max(0, now - t.responseTime);
}

export function timingOf(res: Directives, headers: { age?: HeaderValue; date?: HeaderValue; expires?: HeaderValue }, requestTime: number, responseTime: number, ttlMs: number, staleMs: number, bypassResponse: boolean): Timing {
  return {
    responseTime,
    initialAgeMs: initialAge(headers.age, headers.date, requestTime, responseTime),
    lifetimeMs: freshnessLifetime(res, headers.expires, headers.date, responseTime, ttlMs, bypassResponse),
    // Only the origin asks for stale-while-revalidate (as in Souin); `stale` is the stale-if-error window.
    swrMs: seconds(res, 'stale-while-revalidate') ?? 0,
    sieMs: seconds(res, 'stale-if-error') ?? staleMs,
    mustRevalidate: !bypassResponse && (res.has('must-revalidate') || res.has('proxy-revalidate') || res.has('s-maxage')),
    noCache: !bypassResponse && res.get('no-cache') === true,
  };
}

export type Usable =
  /** Fresh enough for this request: serve it. */
  | 'fresh'
  /** Stale, within stale-while-revalidate: serve it and revalidate in the background. */
  | 'stale-revalidate'
  /** Stale but the request's max-stale allows it. */
  | 'stale-ok'
  /** Needs validation with the origin (or a new response). */
  | 'validate';

/** §4.2 + the request's directives (§5.2.1): how a stored response may answer now. */
export function usable(t: Timing, req: Directives, now: number, bypassRequest: boolean): Usable {
  const age = currentAge(t, now);
  const ttl = t.lifetimeMs - age;
  if (t.noCache) return 'validate';
  if (!bypassRequest) {
    if (req.has('no-cache')) return 'validate';
    const maxAge = seconds(req, 'max-age');
    if (maxAge !== undefined && age > maxAge) return 'validate';
    const minFresh = seconds(req, 'min-fresh');
    if (minFresh !== undefined && ttl < minFresh) return 'validate';
  }
  if (ttl > 0) return 'fresh';
  if (t.mustRevalidate) return 'validate';
  const maxStale = bypassRequest ? undefined : seconds(req, 'max-stale');
  if (maxStale !== undefined && -ttl <= maxStale) return 'stale-ok';
  if (-ttl < t.swrMs) return 'stale-revalidate';
  return 'validate';
}

/** May a stale stored response answer because the origin failed (§4.2.4, RFC 5861 stale-if-error)? */
export function staleOnError(t: Timing, req: Directives, now: number): boolean {
  if (t.mustRevalidate) return false;
  const over = currentAge(t, now) - t.lifetimeMs;
  const reqSie = seconds(req, 'stale-if-error');
  return over < (reqSie ?? t.sieMs);
}

/** How long a stored response is worth keeping: fresh, then any stale window. */
export function keepFor(t: Timing): number {
  return t.lifetimeMs - t.initialAgeMs + Math.max(t.swrMs, t.sieMs);
}
