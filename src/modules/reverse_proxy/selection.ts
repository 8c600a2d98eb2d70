/**
 * Load-balancing selection policies (Caddy's reverseproxy/selectionpolicies.go),
 * each compiled once from the decoded `load_balancing.selection_policy`. A policy picks
 * one available upstream from the pool or returns null (no upstream
 * available: a 503, or a retry).
 */
import { createHash, createHmac } from 'node:crypto';
import { isPrimaryWorker, provisionKey, sharedEntry } from '../../core/shared/index.js';
import type { Ctx } from '../../core/types.js';
import type { SelectionPolicy } from './config_selection.js';
import type { Upstream } from './upstreams.js';
import { queryPolicy } from './selection_query.js';
import { randomChoose } from './selection_random_choose.js';
import { weightedRoundRobin } from './selection_weighted.js';

export type Selector = (pool: readonly Upstream[], ctx: Ctx) => Upstream | null;

/** Uniformly random among the available ones (reservoir sampling, as Caddy). */
export const randomSelect: Selector = (pool) => {
  let chosen: Upstream | null = null;
  let seen = 0;
  for (const u of pool) {
    if (!u.available()) continue;
    seen++;
    if (Math.random() * seen < 1) chosen = u;
  }
  return chosen;
};

const firstSelect: Selector = (pool) => pool.find((u) => u.available()) ?? null;

/**
 * A policy's counter, one per handler for the whole server: with `workers N`
 * every worker adds to the same shared cell, so requests from any worker
 * take the next place in one rotation. Keyed by the policy's place in the
 * config (the same in every worker); starts again at 0 with each config, as
 * a new handler's does in Caddy (reset once, by the primary worker).
 */
function sharedCounter(kind: string): () => number {
  const e = sharedEntry(provisionKey(kind));
  if (isPrimaryWorker()) e.setCell(0, 0);
  return () => e.addCell(0, 1) >>> 0;
}

function roundRobin(): Selector {
  const next = sharedCounter('round_robin');
  return (pool) => {
    const n = pool.length;
    for (let i = 0; i < n; i++) {
      // Caddy increments before indexing, so the first request goes to the second upstream.
      const u = pool[next() % n]!;
      if (u.available()) return u;
    }
    return null;
  };
}

/** Fewest requests in flight; ties broken at random. */
const leastConn: Selector = (pool) => {
  let best: Upstream | null = null;
  let ties = 0;
  for (const u of pool) {
    if (!u.available()) continue;
    if (best === null || u.inflight < best.inflight) {
      best = u;
      ties = 1;
    } else if (u.inflight === best.inflight) {
      ties++;
      if (Math.random() * ties < 1) best = u;
    }
  }
  return best;
};

/** FNV-1a, 32 bits: fast and good enough for rendezvous hashing. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // A final avalanche so similar keys spread (fnv's low bits are weak).
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}

/**
 * Caddy's hostByHashing: highest-random-weight (rendezvous) hashing, so a key
 * keeps its upstream while that upstream is available, and only the keys of
 * an upstream that goes away move.
 */
export function hostByHashing(pool: readonly Upstream[], key: string): Upstream | null {
  let best: Upstream | null = null;
  let bestHash = -1;
  for (const u of pool) {
    if (!u.available()) continue;
    const h = fnv1a(u.dial + key);
    if (h > bestHash) {
      bestHash = h;
      best = u;
    }
  }
  return best;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function cookiePolicy(name: string, secret: string, fallback: Selector, maxAge: number): Selector {
  const hashOf = (s: string) => (secret === '' ? createHash('sha256').update(s).digest('hex') : createHmac('sha256', secret).update(s).digest('hex'));
  const hashes = new WeakMap<Upstream, string>();
  const hashFor = (u: Upstream) => {
    let h = hashes.get(u);
    if (h === undefined) hashes.set(u, (h = hashOf(u.dial)));
    return h;
  };
  return (pool, ctx) => {
    const want = cookieValue(ctx.req.headers.cookie, name);
    if (want !== undefined) {
      for (const u of pool) if (u.available() && hashFor(u) === want) return u;
    }
    // No cookie, or its upstream is gone: pick one and pin the client to it.
    const u = fallback(pool, ctx);
    if (u !== null) {
      let cookie = `${name}=${hashFor(u)}; Path=/`;
      if (maxAge > 0) cookie += `; Max-Age=${maxAge}`;
      if (ctx.scheme === 'https') cookie += '; Secure; SameSite=None';
      ctx.w.appendHeader('Set-Cookie', cookie);
    }
    return u;
  };
}

/** Compiles a decoded `selection_policy`. */
export function compileSelection(cfg: SelectionPolicy): Selector {
  switch (cfg.policy) {
    case 'random':
      return randomSelect;
    case 'first':
      return firstSelect;
    case 'round_robin':
      return roundRobin();
    case 'least_conn':
      return leastConn;
    case 'ip_hash':
      return (pool, ctx) => hostByHashing(pool, ctx.remoteIP);
    case 'client_ip_hash':
      return (pool, ctx) => hostByHashing(pool, ctx.clientIP);
    case 'uri_hash':
      return (pool, ctx) => hostByHashing(pool, ctx.req.url ?? '/');
    case 'header': {
      const field = cfg.field;
      const fallback = compileSelection(cfg.fallback);
      return (pool, ctx) => {
        const v = ctx.req.headersDistinct[field]?.[0];
        // Without the field, the fallback policy (random unless named) decides.
        return v === undefined || v === '' ? fallback(pool, ctx) : hostByHashing(pool, v);
      };
    }
    case 'cookie':
      return cookiePolicy(cfg.name, cfg.secret, compileSelection(cfg.fallback), cfg.maxAge);
    case 'weighted_round_robin':
      return weightedRoundRobin(cfg.weights, sharedCounter('weighted_round_robin'));
    case 'random_choose':
      return randomChoose(cfg.choose);
    case 'query':
      return queryPolicy(cfg.key, compileSelection(cfg.fallback), hostByHashing);
  }
}
