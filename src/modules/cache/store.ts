/**
 * The memory store: stored responses by primary key (method, scheme, host,
 * path, query, key headers), each key holding its Vary variants, within a
 * byte budget. A Map keeps insertion order, so moving a key to the end on
 * every use makes its first key the least recently used: eviction takes
 * from the front until the new entry fits.
 *
 * Per handler and per worker for now (each worker of `workers N` fills its
 * own); see ARCHITECTURE.md for the shared and disk stores.
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

export class MemoryStore {
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

function sameVary(a: Entry['vary'], b: Entry['vary']): boolean {
  if (a.length !== b.length) return false;
  return a.every(([n, v], i) => b[i]![0] === n && b[i]![1] === v);
}
