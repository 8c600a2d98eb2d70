/**
 * The stores by cache_name in this thread, and what the admin API does to
 * them: Souin's API (cache-handler's `/souin-api/souin`) lists the stored
 * keys and purges those an RE2 pattern matches, or those tagged with a
 * surrogate key.
 *
 * A store is the shared one (shared_store.ts): the arena block named by
 * cache_name and memory_limit, the same bytes in every worker thread, with
 * the cache lock across workers beside it (fetch_marks.ts). When the arena
 * has no room for it, each worker keeps a MemoryStore of its own (warned
 * once). A reload with the same cache_name and memory_limit keeps what is
 * stored; another memory_limit is another block: the new config starts
 * with an empty store, the old block is emptied once the old config is
 * gone, and its memory stays with the arena (blocks are never freed) for a
 * later config that asks for that size again.
 *
 * The admin API runs in the supervisor; it asks every worker and joins the
 * answers (with threads they read the same shared store, each key then
 * comes back from every worker; a worker on its own store — the fallback,
 * or TSWEB_WORKERS_DESIGN=process — answers for its own).
 */
import { arenaBlock } from '../../core/shared/arena.js';
import type { EngineLog } from '../../core/log.js';
import { compileRegexp } from '../../go/regexp.js';
import { FetchMarks, MARKS_BYTES } from './fetch_marks.js';
import { storeLayout } from './shared_layout.js';
import { SharedStore } from './shared_store.js';
import { type CacheStore, MemoryStore, surrogateTags } from './store.js';
import { diskCacheKeys } from './disk_store.js';

/** A store and its in-flight fetches, shared by the handlers with one cache_name and kept across reloads (as cache-handler's storages are). */
export interface Named {
  store: CacheStore;
  /** This worker's fetches by key: its later misses on a key wait for them. */
  inflight: Map<string, Promise<void>>;
  /** The cache lock across workers; null (or absent) when the store is this worker's alone. */
  marks?: FetchMarks | null;
  refs: number;
}

const named = new Map<string, Named>();
/** cache_names already warned about having no shared memory. */
const warned = new Set<string>();
const LOGGER = 'http.handlers.cache';

function open(name: string, budget: number, log: EngineLog | undefined): { store: CacheStore; marks: FetchMarks | null } {
  const layout = storeLayout(budget);
  const tag = `cache ${JSON.stringify(name)}`;
  let block: ReturnType<typeof arenaBlock> | null;
  try {
    block = arenaBlock(`${tag} memory_limit=${budget}`, layout.bytes);
  } catch {
    // A private block this large could not be allocated either.
    block = null;
  }
  if (block === null || !block.shared) {
    if (!warned.has(name)) {
      warned.add(name);
      log?.('warn', LOGGER, 'no shared memory left for the cache: each worker keeps its own store within memory_limit', { cache_name: name, memory_limit: budget });
    }
    return { store: new MemoryStore(budget), marks: null };
  }
  const store = new SharedStore(layout, block.buffer, block.offset);
  store.addRef();
  store.onReset = () => log?.('error', LOGGER, 'a worker stopped while holding the shared cache\'s lock: the store was emptied', { cache_name: name });
  const m = arenaBlock(`${tag} fetch marks`, MARKS_BYTES);
  return { store, marks: m.shared && m.buffer instanceof SharedArrayBuffer ? new FetchMarks(m.buffer, m.offset) : null };
}

export function acquire(name: string, budget: number, log?: EngineLog): Named {
  const id = `${name}\n${budget}`;
  let n = named.get(id);
  if (n === undefined) {
    n = { ...open(name, budget, log), inflight: new Map(), refs: 0 };
    named.set(id, n);
  }
  n.refs++;
  return n;
}

export function release(_name: string, n: Named): void {
  if (--n.refs > 0) return;
  // The shared store is emptied by the last worker to let go of it; a private one right away.
  if (n.store instanceof SharedStore) n.store.release();
  else n.store.clear();
  for (const [id, v] of named) if (v === n) named.delete(id);
}

/**
 * What the admin API asks: the keys matching `pattern` (null: every key),
 * removed from the stores when `purge` is set.
 */
export interface CacheKeysQuery {
  pattern: string | null;
  purge: boolean;
  /** Surrogate keys: the entries tagged with any of them, instead of `pattern`. */
  tags?: string[];
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
  const out = new Set<string>();
  if (q.tags !== undefined) {
    const tags = new Set(q.tags);
    for (const n of named.values()) for (const k of n.store.tagged(tags, q.purge)) out.add(k);
    // On disk the tags are in the stored Surrogate-Key header; what memory knew as tagged goes too, or the next miss would read it back.
    const fromDisk = diskCacheKeys((k, headers) => out.has(k) || surrogateTags(headers['surrogate-key']).some((t) => tags.has(t)), q.purge);
    for (const k of fromDisk) out.add(k);
    return [...out].sort();
  }
  const re = q.pattern === null ? null : compileRegexp(q.pattern);
  for (const n of named.values()) {
    const hit = [...n.store.keys()].filter((k) => re === null || re.test(k));
    for (const k of hit) {
      if (q.purge) n.store.delete(k);
      out.add(k);
    }
  }
  for (const k of diskCacheKeys(re === null ? null : (key) => re.test(key), q.purge)) out.add(k);
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
