/**
 * What a cache store is to the handler (`CacheStore`), and the per-worker
 * memory store: stored responses by primary key (method, scheme, host,
 * path, query, key headers), each key holding its Vary variants, within a
 * byte budget. A Map keeps insertion order, so moving a key to the end on
 * every use makes its first key the least recently used: eviction takes
 * from the front until the new entry fits.
 *
 * The store every worker shares is shared_store.ts; this one is its
 * fallback when the shared arena has no room for the budget (and the
 * store of a handler made without stores.ts, in tests).
 */
import type { HeaderValue } from '../../core/response.js';
import type { Timing } from './freshness.js';

export interface Entry {
  status: number;
  /** Response headers by lower-cased name, as the origin sent them (hop-by-hop removed). */
  headers: Record<string, HeaderValue>;
  body: Buffer;
  /** The request's values of the response's Vary headers, normalized (§4.1). */
  vary: ReadonlyArray<readonly [string, string]>;
  timing: Timing;
  /** Date.now() after which the entry is no use even stale. */
  dropAt: number;
  size: number;
}

/** Fields whose values are case-insensitive tokens, so variants may match regardless of case (§4.1 allows normalizing). */
const CASELESS = new Set(['accept-language', 'accept-encoding', 'accept', 'accept-charset']);

/** A Vary'd request field's value as variants compare it: lines joined, whitespace around commas dropped. */
export function normalizeField(v: string | string[] | undefined, name = ''): string {
  if (v === undefined) return '';
  const joined = (Array.isArray(v) ? v.join(',') : v).replace(/\s*,\s*/g, ',').trim();
  return CASELESS.has(name) ? joined.toLowerCase() : joined;
}

export function entrySize(key: string, e: Omit<Entry, 'size'>): number {
  let n = 200 + key.length * 2 + e.body.length;
  for (const [k, v] of Object.entries(e.headers)) n += k.length + (Array.isArray(v) ? v.join('').length : String(v).length) + 16;
  return n;
}

export class MemoryStore implements CacheStore {
  private readonly slots = new Map<string, Entry[]>();
  private used = 0;

  constructor(public budget: number) {}

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.slots.size;
  }

  /** The variants stored for a key, marked as recently used; expired ones are dropped on the way. */
  variants(key: string, now: number): readonly Entry[] | undefined {
    let slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    this.slots.delete(key);
    let expired = 0;
    for (const e of slot) if (e.dropAt <= now) expired++;
    if (expired > 0) {
      for (const e of slot) if (e.dropAt <= now) this.used -= e.size;
      slot = slot.filter((e) => e.dropAt > now);
      if (slot.length === 0) return undefined;
    }
    this.slots.set(key, slot);
    return slot;
  }

  /** Stores an entry, replacing the variant with the same Vary values; false when it can never fit. */
  put(key: string, e: Entry): boolean {
    if (e.size > this.budget) return false;
    const slot = this.slots.get(key) ?? [];
    this.slots.delete(key);
    const same = slot.findIndex((x) => sameVary(x.vary, e.vary));
    if (same >= 0) {
      this.used -= slot[same]!.size;
      slot.splice(same, 1);
    }
    slot.unshift(e);
    this.used += e.size;
    this.slots.set(key, slot);
    this.evict(key);
    return true;
  }

  /** Replaces a stored variant in place (a 304 refreshed it). */
  replace(key: string, old: Entry, e: Entry): void {
    const slot = this.slots.get(key);
    const i = slot?.indexOf(old) ?? -1;
    if (slot === undefined || i < 0) {
      this.put(key, e);
      return;
    }
    this.used += e.size - old.size;
    slot[i] = e;
    this.evict(key);
  }

  /** The primary keys stored, least recently used first. */
  keys(): IterableIterator<string> {
    return this.slots.keys();
  }

  delete(key: string): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) return false;
    for (const e of slot) this.used -= e.size;
    this.slots.delete(key);
    return true;
  }

  clear(): void {
    this.slots.clear();
    this.used = 0;
  }

  tagged(tags: ReadonlySet<string>, purge: boolean): string[] {
    const out: string[] = [];
    for (const [k, slot] of this.slots) {
      const hit = slot.filter((e) => surrogateTags(e.headers['surrogate-key']).some((t) => tags.has(t)));
      if (hit.length === 0) continue;
      out.push(k);
      if (!purge) continue;
      for (const e of hit) this.used -= e.size;
      const rest = slot.filter((e) => !hit.includes(e));
      if (rest.length === 0) this.slots.delete(k);
      else this.slots.set(k, rest);
    }
    return out;
  }

  private evict(keep: string): void {
    for (const [k, slot] of this.slots) {
      if (this.used <= this.budget) return;
      if (k === keep) {
        // The newest key is last in the map; only its older variants may go.
        while (slot.length > 1 && this.used > this.budget) this.used -= slot.pop()!.size;
        return;
      }
      for (const e of slot) this.used -= e.size;
      this.slots.delete(k);
    }
  }
}

/** The stores the handler works with: this one, and the shared one (shared_store.ts). */
export interface CacheStore {
  /** Bytes held by stored responses. */
  readonly bytes: number;
  /** Stored responses (variants count apart in the shared store, keys in this one). */
  readonly size: number;
  /** The variants stored for a key, newest first, marked as recently used; expired ones are dropped on the way. */
  variants(key: string, now: number): readonly Entry[] | undefined;
  /** Stores an entry, replacing the variant with the same Vary values; false when it is not stored (larger than the budget). */
  put(key: string, e: Entry): boolean;
  /** Replaces a stored variant (a 304 refreshed it). */
  replace(key: string, old: Entry, e: Entry): void;
  delete(key: string): boolean;
  /** The primary keys stored, each once. */
  keys(): Iterable<string>;
  /** Primary keys of the entries tagged (Surrogate-Key) with any of `tags`; those entries are dropped when `purge`. */
  tagged(tags: ReadonlySet<string>, purge: boolean): string[];
  clear(): void;
}

/** The tags of a response's Surrogate-Key field (Souin's surrogate keys): separated by commas and/or spaces. */
export function surrogateTags(v: HeaderValue | undefined): string[] {
  if (v === undefined) return [];
  const text = Array.isArray(v) ? v.join(',') : String(v);
  return text.split(/[\s,]+/).filter((t) => t !== '');
}

function sameVary(a: Entry['vary'], b: Entry['vary']): boolean {
  if (a.length !== b.length) return false;
  return a.every(([n, v], i) => b[i]![0] === n && b[i]![1] === v);
}
