/**
 * The stores by cache_name in this thread, and what the admin API does to
 * them: Souin's API (cache-handler's `/souin-api/souin`) lists the stored
 * keys and purges those an RE2 pattern matches. With `workers N` the admin
 * API runs in the supervisor and every worker holds its own stores, so the
 * supervisor installs a source that asks every worker and joins the answers.
 */
import { compileRegexp } from '../../go/regexp.js';
import { MemoryStore } from './store.js';

/** A store and its in-flight fetches, shared by the handlers with one cache_name and kept across reloads (as cache-handler's storages are). */
export interface Named {
  store: MemoryStore;
  inflight: Map<string, Promise<void>>;
  refs: number;
}

const named = new Map<string, Named>();

export function acquire(name: string, budget: number): Named {
  let n = named.get(name);
  if (n === undefined) {
    n = { store: new MemoryStore(budget), inflight: new Map(), refs: 0 };
    named.set(name, n);
  }
  // The newest config's memory_limit wins; a smaller one evicts on the next store.
  n.store.budget = budget;
  n.refs++;
  return n;
}

export function release(name: string, n: Named): void {
  if (--n.refs > 0) return;
  n.store.clear();
  if (named.get(name) === n) named.delete(name);
}

/**
 * What the admin API asks: the keys matching `pattern` (null: every key),
 * removed from the stores when `purge` is set.
 */
export interface CacheKeysQuery {
  pattern: string | null;
  purge: boolean;
}

/** Throws with Go's regexp wording (`error parsing regexp: …`) when the pattern is no RE2 regexp. */
export function checkPattern(pattern: string): void {
  try {
    compileRegexp(pattern);
  } catch (err) {
    // compileRegexp speaks of matchers; the admin API answers with Go's own words.
    const m = (err as Error).message;
    const at = m.indexOf('error parsing regexp');
    throw new Error(at >= 0 ? m.slice(at) : m);
  }
}

/** This thread's answer: matching keys of every store, sorted, each once. */
export function localCacheKeys(q: CacheKeysQuery): string[] {
  const re = q.pattern === null ? null : compileRegexp(q.pattern);
  const out = new Set<string>();
  for (const n of named.values()) {
    const hit = [...n.store.keys()].filter((k) => re === null || re.test(k));
    for (const k of hit) {
      if (q.purge) n.store.delete(k);
      out.add(k);
    }
  }
  return [...out].sort();
}

let source: ((q: CacheKeysQuery) => Promise<string[]>) | null = null;

/** Where the server's answer comes from when the stores are in workers (null: this thread's). */
export function setCacheKeysSource(fn: ((q: CacheKeysQuery) => Promise<string[]>) | null): void {
  source = fn;
}

export function serverCacheKeys(q: CacheKeysQuery): Promise<string[]> {
  return source === null ? Promise.resolve(localCacheKeys(q)) : source(q);
}
