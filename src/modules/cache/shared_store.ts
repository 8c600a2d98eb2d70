/**
 * The memory store every request worker shares: one block of the arena
 * (src/core/shared/arena.ts, a SharedArrayBuffer each worker thread sees)
 * per cache_name and memory_limit, so `workers N` fill one cache within one
 * budget instead of N caches.
 *
 * Layout in shared_layout.ts. A stored response (one Vary variant) is a
 * record: its key's two 32-bit hashes, its place in the bucket chain and
 * in one exact LRU list, its blob (key, Surrogate-Key tags, head as JSON,
 * body) in chained data blocks, and a generation taken from a counter at
 * every put. One lock (src/core/shared/lock.ts) guards the whole block; what runs
 * under it is a chain walk, a few links and, on a worker's first hit of a
 * response, the copy of its blob out of shared memory: a response handed to
 * a socket is never a view of memory another worker may reuse.
 *
 * Each worker keeps the responses it decoded (head parsed, body copied) by
 * record and generation, a few MiB at most: a hit on one it has costs the
 * lock, the lookup and the LRU move, with no copy and no JSON.parse; a
 * record replaced or dropped has another generation, so a stale copy is
 * never served.
 *
 * Eviction takes the least recently used records until the new response
 * has its blocks and a record; one larger than the whole budget is not
 * stored. Records of one key sit in its bucket's chain newest first, so
 * variants come out newest first, as the Map store gives them.
 */
import type { HeaderValue } from '../../core/response.js';
import { hash32a, hash32b } from '../../core/shared/hash.js';
import type { Timing } from './freshness.js';
import {
  BLOCK_BYTES,
  H_BLOCKS_FREE,
  H_BLOCKS_HIGH,
  H_BLOCKS_USED,
  H_GEN,
  H_LOCK,
  H_LRU_HEAD,
  H_LRU_TAIL,
  H_RECORDS_FREE,
  H_RECORDS_HIGH,
  H_RECORDS_USED,
  H_REFS,
  HEADER_INTS,
  R_BLOCKS,
  R_BODY_LEN,
  R_CHAIN,
  R_DROP_AT,
  R_FIRST,
  R_GEN,
  R_HASH_A,
  R_HASH_B,
  R_HEAD_LEN,
  R_KEY_LEN,
  R_NEXT,
  R_PREV,
  R_TAG_BLOOM,
  R_TAGS_LEN,
  R_VARY,
  REC_INTS,
  type StoreLayout,
} from './shared_layout.js';
import { lockCell, unlockCell } from '../../core/shared/lock.js';
import { type CacheStore, type Entry, surrogateTags } from './store.js';

/** A decoded response this worker holds, valid while its record keeps the generation. */
interface Local {
  gen: number;
  key: string;
  entry: Entry;
  /** [entry]: what variants() returns for a key with one variant, made once. */
  list: readonly Entry[];
}

/** A record found under the lock whose response this worker has not decoded: its blob, copied out. */
interface Found {
  rec: number;
  gen: number;
  blob: Buffer;
  keyLen: number;
  tagsLen: number;
  headLen: number;
  dropAt: number;
  bytes: number;
}

/** A write position in a chain: block index, offset in the block. */
type Cursor = [block: number, offset: number];

type Head = [status: number, headers: Record<string, HeaderValue>, vary: Array<[string, string]>, timing: Timing];

const LOCAL_ENTRIES = 2048;
const LOCAL_BYTES = 8 << 20;
/** Records examined per hold of the lock when the admin API lists or purges. */
const SCAN_CHUNK = 2048;

const keyHashA = (key: string): number => hash32a(key) | 1;
const varyHash = (vary: Entry['vary']): number => hash32a(vary.map(([n, v]) => `${n}\u0000${v}`).join('\u0001'));
const tagBits = (tag: string): number => (1 << (hash32a(tag) & 31)) | (1 << (hash32b(tag) & 31));

export class SharedStore implements CacheStore {
  private readonly ints: Int32Array;
  private readonly f64: Float64Array;
  /** The data blocks as one Buffer (a view: only ever copied from or into under the lock). */
  private readonly data: Buffer;
  private readonly mask: number;
  private readonly local = new Map<number, Local>();
  private localBytes = 0;
  private readonly localMax: number;
  /** Called once when a lock held by a terminated thread had to be taken over (the store was reset). */
  onReset: (() => void) | null = null;

  constructor(
    readonly layout: StoreLayout,
    buffer: SharedArrayBuffer | ArrayBuffer,
    offset: number,
  ) {
    this.ints = new Int32Array(buffer, offset, layout.bytes / 4);
    this.f64 = new Float64Array(buffer, offset, layout.bytes / 8);
    this.data = Buffer.from(buffer, offset + layout.dataAt, layout.blocks * BLOCK_BYTES);
    this.mask = layout.buckets - 1;
    this.localMax = Math.min(LOCAL_BYTES, Math.floor(layout.budget / 8));
  }

  get budget(): number {
    return this.layout.blocks * BLOCK_BYTES;
  }

  get bytes(): number {
    return Atomics.load(this.ints, H_BLOCKS_USED) * BLOCK_BYTES;
  }

  get size(): number {
    return Atomics.load(this.ints, H_RECORDS_USED);
  }

  /** A worker starts using the store; returns how many do now. */
  addRef(): number {
    return Atomics.add(this.ints, H_REFS, 1) + 1;
  }

  /** A worker stops using the store; the last one clears it. */
  release(): void {
    if (Atomics.sub(this.ints, H_REFS, 1) === 1) this.clear();
  }

  variants(key: string, now: number): readonly Entry[] | undefined {
    const a = keyHashA(key);
    const b = hash32b(key);
    // The usual key has one variant: no array is made for it.
    let first: Local | Found | undefined;
    let more: Array<Local | Found> | undefined;
    this.lock();
    try {
      const ints = this.ints;
      let r = ints[this.layout.bucketsAt + (b & this.mask)]! - 1;
      while (r >= 0) {
        const at = this.recAt(r);
        const next = ints[at + R_CHAIN]! - 1;
        if (ints[at + R_HASH_A] === a && ints[at + R_HASH_B] === b) {
          if (this.f64[(at + R_DROP_AT) / 2]! <= now) {
            this.free(r);
          } else {
            this.touch(r);
            if (first === undefined) first = this.found(r, at);
            else (more ??= []).push(this.found(r, at));
          }
        }
        r = next;
      }
    } finally {
      unlockCell(this.ints, H_LOCK);
    }
    if (first === undefined) return undefined;
    const l = 'list' in first ? first : this.decode(first);
    // Two keys with the same 64 bits of hash: the other key's response is not this one's.
    if (more === undefined) return l.key === key ? l.list : undefined;
    const out: Entry[] = l.key === key ? [l.entry] : [];
    for (const f of more) {
      const m = 'list' in f ? f : this.decode(f);
      if (m.key === key) out.push(m.entry);
    }
    return out.length === 0 ? undefined : out;
  }

  put(key: string, e: Entry): boolean {
    // A body kept on disk (an open file) has no bytes to share.
    if ((e as { file?: unknown }).file !== undefined) return false;
    const keyBytes = Buffer.from(key, 'utf8');
    const tags = surrogateTags(e.headers['surrogate-key']);
    const tagBytes = Buffer.from(tags.join(' '), 'utf8');
    const head: Head = [e.status, e.headers, e.vary.map(([n, v]) => [n, v]), e.timing];
    const headBytes = Buffer.from(JSON.stringify(head), 'utf8');
    const total = keyBytes.length + tagBytes.length + headBytes.length + e.body.length;
    const need = Math.max(1, Math.ceil(total / BLOCK_BYTES));
    if (need > this.layout.blocks) return false;
    const a = keyHashA(key);
    const b = hash32b(key);
    const vh = varyHash(e.vary);
    let bloom = 0;
    for (const t of tags) bloom |= tagBits(t);
    this.lock();
    try {
      const ints = this.ints;
      // The variant with the same Vary values goes, and so do the key's expired ones.
      let r = ints[this.layout.bucketsAt + (b & this.mask)]! - 1;
      const now = e.timing.responseTime;
      while (r >= 0) {
        const at = this.recAt(r);
        const next = ints[at + R_CHAIN]! - 1;
        if (ints[at + R_HASH_A] === a && ints[at + R_HASH_B] === b && (ints[at + R_VARY] === vh || this.f64[(at + R_DROP_AT) / 2]! <= now)) this.free(r);
        r = next;
      }
      while (this.layout.blocks - ints[H_BLOCKS_USED]! < need || (ints[H_RECORDS_FREE] === 0 && ints[H_RECORDS_HIGH]! >= this.layout.records)) {
        const victim = ints[H_LRU_HEAD]! - 1;
        if (victim < 0) return false;
        this.free(victim);
      }
      const rec = this.allocRecord();
      const at = this.recAt(rec);
      const first = this.allocBlocks(need);
      let w: Cursor = [first, 0];
      w = this.write(w, keyBytes);
      w = this.write(w, tagBytes);
      w = this.write(w, headBytes);
      this.write(w, e.body);
      let gen = (ints[H_GEN]! + 1) | 0;
      if (gen === 0) gen = 1;
      ints[H_GEN] = gen;
      ints[at + R_HASH_A] = a;
      ints[at + R_HASH_B] = b;
      ints[at + R_FIRST] = first + 1;
      ints[at + R_BLOCKS] = need;
      ints[at + R_KEY_LEN] = keyBytes.length;
      ints[at + R_TAGS_LEN] = tagBytes.length;
      ints[at + R_HEAD_LEN] = headBytes.length;
      ints[at + R_BODY_LEN] = e.body.length;
      ints[at + R_GEN] = gen;
      ints[at + R_VARY] = vh;
      ints[at + R_TAG_BLOOM] = bloom;
      this.f64[(at + R_DROP_AT) / 2] = e.dropAt;
      // Newest first in its chain: variants() returns them in that order.
      const bucket = this.layout.bucketsAt + (b & this.mask);
      ints[at + R_CHAIN] = ints[bucket]!;
      ints[bucket] = rec + 1;
      this.linkNewest(rec);
      ints[H_RECORDS_USED]!++;
      // This worker already has the response decoded: its first hit costs no copy.
      const entry = { ...e, size: need * BLOCK_BYTES };
      this.remember(rec, { gen, key, entry, list: [entry] });
      return true;
    } finally {
      unlockCell(this.ints, H_LOCK);
    }
  }

  replace(key: string, _old: Entry, e: Entry): void {
    // A refreshed response keeps its Vary values: the put replaces the old variant.
    this.put(key, e);
  }

  delete(key: string): boolean {
    const a = keyHashA(key);
    const b = hash32b(key);
    let any = false;
    this.lock();
    try {
      let r = this.ints[this.layout.bucketsAt + (b & this.mask)]! - 1;
      while (r >= 0) {
        const at = this.recAt(r);
        const next = this.ints[at + R_CHAIN]! - 1;
        if (this.ints[at + R_HASH_A] === a && this.ints[at + R_HASH_B] === b) {
          this.free(r);
          any = true;
        }
        r = next;
      }
    } finally {
      unlockCell(this.ints, H_LOCK);
    }
    return any;
  }

  keys(): string[] {
    const out = new Set<string>();
    this.scan((_rec, at) => {
      out.add(this.readKey(at));
      return false;
    });
    return [...out];
  }

  tagged(tags: ReadonlySet<string>, purge: boolean): string[] {
    const masks = [...tags].map(tagBits);
    const out = new Set<string>();
    this.scan((_rec, at) => {
      const bloom = this.ints[at + R_TAG_BLOOM]!;
      if (!masks.some((m) => (bloom & m) === m)) return false;
      const keyLen = this.ints[at + R_KEY_LEN]!;
      const own = this.readBlob(at, keyLen + this.ints[at + R_TAGS_LEN]!);
      if (!own.toString('utf8', keyLen).split(' ').some((t) => tags.has(t))) return false;
      out.add(own.toString('utf8', 0, keyLen));
      return purge;
    });
    return [...out];
  }

  clear(): void {
    this.lock();
    try {
      this.reset();
    } finally {
      unlockCell(this.ints, H_LOCK);
    }
  }

  /** Blocks and records in use, by walking what is linked: for tests that check nothing leaks or tears. */
  check(): { records: number; blocks: number; lru: number; chained: number; free: number } {
    this.lock();
    try {
      const ints = this.ints;
      let lru = 0;
      let blocks = 0;
      for (let r = ints[H_LRU_HEAD]! - 1, prev = -1; r >= 0; prev = r, r = ints[this.recAt(r) + R_NEXT]! - 1) {
        const at = this.recAt(r);
        if (ints[at + R_PREV]! - 1 !== prev) throw new Error(`LRU list broken at record ${r}`);
        if (ints[at + R_HASH_A] === 0) throw new Error(`free record ${r} in the LRU list`);
        let n = 0;
        for (let k = ints[at + R_FIRST]! - 1; k >= 0; k = ints[this.layout.nextAt + k]! - 1) n++;
        if (n !== ints[at + R_BLOCKS]) throw new Error(`record ${r} has ${n} blocks chained, ${ints[at + R_BLOCKS]} counted`);
        const len = ints[at + R_KEY_LEN]! + ints[at + R_TAGS_LEN]! + ints[at + R_HEAD_LEN]! + ints[at + R_BODY_LEN]!;
        if (Math.max(1, Math.ceil(len / BLOCK_BYTES)) !== n) throw new Error(`record ${r}: ${len} bytes in ${n} blocks`);
        blocks += n;
        lru++;
      }
      let chained = 0;
      for (let i = 0; i < this.layout.buckets; i++) {
        for (let r = ints[this.layout.bucketsAt + i]! - 1; r >= 0; r = ints[this.recAt(r) + R_CHAIN]! - 1) chained++;
      }
      let free = 0;
      for (let k = ints[H_BLOCKS_FREE]! - 1; k >= 0; k = ints[this.layout.nextAt + k]! - 1) free++;
      if (blocks !== ints[H_BLOCKS_USED]) throw new Error(`${blocks} blocks linked, ${ints[H_BLOCKS_USED]} counted`);
      if (blocks + free !== ints[H_BLOCKS_HIGH]) throw new Error(`${blocks} used + ${free} free blocks != ${ints[H_BLOCKS_HIGH]} handed out`);
      return { records: ints[H_RECORDS_USED]!, blocks, lru, chained, free };
    } finally {
      unlockCell(this.ints, H_LOCK);
    }
  }

  private lock(): void {
    if (lockCell(this.ints, H_LOCK)) {
      // The holder died inside: whatever it was linking may be half done, so start empty.
      this.reset();
      this.onReset?.();
    }
  }

  /** Empty, as a zeroed block is (the lock and the workers' count stay). */
  private reset(): void {
    const ints = this.ints;
    for (let i = 1; i < HEADER_INTS; i++) if (i !== H_REFS && i !== H_GEN) ints[i] = 0;
    ints.fill(0, this.layout.bucketsAt, this.layout.bucketsAt + this.layout.buckets);
  }

  private recAt(r: number): number {
    return this.layout.recordsAt + r * REC_INTS;
  }

  /** This worker's decoded copy of the record's response, else its blob copied out. */
  private found(rec: number, at: number): Local | Found {
    const ints = this.ints;
    const gen = ints[at + R_GEN]!;
    const l = this.local.get(rec);
    if (l !== undefined && l.gen === gen) return l;
    const keyLen = ints[at + R_KEY_LEN]!;
    const tagsLen = ints[at + R_TAGS_LEN]!;
    const headLen = ints[at + R_HEAD_LEN]!;
    return {
      rec,
      gen,
      blob: this.readBlob(at, keyLen + tagsLen + headLen + ints[at + R_BODY_LEN]!),
      keyLen,
      tagsLen,
      headLen,
      dropAt: this.f64[(at + R_DROP_AT) / 2]!,
      bytes: ints[at + R_BLOCKS]! * BLOCK_BYTES,
    };
  }

  /** The first `len` bytes of a record's blob, copied out (under the lock), contiguous runs of blocks at once. */
  private readBlob(at: number, len: number): Buffer {
    const out = Buffer.allocUnsafe(len);
    const next = this.layout.nextAt;
    let k = this.ints[at + R_FIRST]! - 1;
    let pos = 0;
    while (pos < len && k >= 0) {
      let run = 1;
      let last = k;
      while (pos + run * BLOCK_BYTES < len && this.ints[next + last]! - 1 === last + 1) {
        last++;
        run++;
      }
      const n = Math.min(run * BLOCK_BYTES, len - pos);
      this.data.copy(out, pos, k * BLOCK_BYTES, k * BLOCK_BYTES + n);
      pos += n;
      k = this.ints[next + last]! - 1;
    }
    return out;
  }

  private readKey(at: number): string {
    const len = this.ints[at + R_KEY_LEN]!;
    return this.readBlob(at, len).toString('utf8');
  }

  /** Decodes a copied blob (outside the lock) and keeps it for this worker's next hits. */
  private decode(f: Found): Local {
    const blob = f.blob;
    const key = blob.toString('utf8', 0, f.keyLen);
    const headAt = f.keyLen + f.tagsLen;
    const [status, headers, vary, timing] = JSON.parse(blob.toString('utf8', headAt, headAt + f.headLen)) as Head;
    const body = blob.subarray(headAt + f.headLen);
    const entry: Entry = { status, headers, body, vary, timing, dropAt: f.dropAt, size: f.bytes };
    const l: Local = { gen: f.gen, key, entry, list: [entry] };
    this.remember(f.rec, l);
    return l;
  }

  private remember(rec: number, l: Local): void {
    const size = l.entry.body.length;
    if (size > this.localMax / 8) return;
    const old = this.local.get(rec);
    if (old !== undefined) {
      this.localBytes -= old.entry.body.length;
      this.local.delete(rec);
    }
    this.local.set(rec, l);
    this.localBytes += size;
    for (const [r, o] of this.local) {
      if (this.local.size <= LOCAL_ENTRIES && this.localBytes <= this.localMax) break;
      this.local.delete(r);
      this.localBytes -= o.entry.body.length;
    }
  }

  /** Visits every record in use, a chunk per hold of the lock; `visit` returning true drops the record. */
  private scan(visit: (rec: number, at: number) => boolean): void {
    for (let from = 0; ; from += SCAN_CHUNK) {
      this.lock();
      try {
        const high = this.ints[H_RECORDS_HIGH]!;
        if (from >= high) return;
        for (let r = from; r < Math.min(high, from + SCAN_CHUNK); r++) {
          const at = this.recAt(r);
          if (this.ints[at + R_HASH_A] !== 0 && visit(r, at)) this.free(r);
        }
      } finally {
        unlockCell(this.ints, H_LOCK);
      }
    }
  }

  private allocRecord(): number {
    const ints = this.ints;
    const free = ints[H_RECORDS_FREE]! - 1;
    if (free >= 0) {
      ints[H_RECORDS_FREE] = ints[this.recAt(free) + R_CHAIN]!;
      return free;
    }
    return ints[H_RECORDS_HIGH]!++;
  }

  /** Chains `n` blocks (the caller made sure they are there); returns the first. */
  private allocBlocks(n: number): number {
    const ints = this.ints;
    const next = this.layout.nextAt;
    let first = -1;
    let prev = -1;
    for (let i = 0; i < n; i++) {
      let k = ints[H_BLOCKS_FREE]! - 1;
      if (k >= 0) ints[H_BLOCKS_FREE] = ints[next + k]!;
      else k = ints[H_BLOCKS_HIGH]!++;
      ints[next + k] = 0;
      if (prev >= 0) ints[next + prev] = k + 1;
      else first = k;
      prev = k;
    }
    ints[H_BLOCKS_USED]! += n;
    return first;
  }

  /** Unlinks a record from its chain and the LRU list and frees its blocks. */
  private free(r: number): void {
    const ints = this.ints;
    const at = this.recAt(r);
    const bucket = this.layout.bucketsAt + (ints[at + R_HASH_B]! & this.mask);
    if (ints[bucket] === r + 1) {
      ints[bucket] = ints[at + R_CHAIN]!;
    } else {
      let p = ints[bucket]! - 1;
      while (p >= 0) {
        const pat = this.recAt(p);
        if (ints[pat + R_CHAIN] === r + 1) {
          ints[pat + R_CHAIN] = ints[at + R_CHAIN]!;
          break;
        }
        p = ints[pat + R_CHAIN]! - 1;
      }
    }
    this.unlinkLru(r);
    const first = ints[at + R_FIRST]! - 1;
    if (first >= 0) {
      const next = this.layout.nextAt;
      let last = first;
      while (ints[next + last] !== 0) last = ints[next + last]! - 1;
      ints[next + last] = ints[H_BLOCKS_FREE]!;
      ints[H_BLOCKS_FREE] = first + 1;
      ints[H_BLOCKS_USED]! -= ints[at + R_BLOCKS]!;
    }
    ints[at + R_HASH_A] = 0;
    ints[at + R_HASH_B] = 0;
    ints[at + R_FIRST] = 0;
    ints[at + R_GEN] = 0;
    ints[at + R_CHAIN] = ints[H_RECORDS_FREE]!;
    ints[H_RECORDS_FREE] = r + 1;
    ints[H_RECORDS_USED]!--;
    const l = this.local.get(r);
    if (l !== undefined) {
      this.local.delete(r);
      this.localBytes -= l.entry.body.length;
    }
  }

  private unlinkLru(r: number): void {
    const ints = this.ints;
    const at = this.recAt(r);
    const prev = ints[at + R_PREV]!;
    const next = ints[at + R_NEXT]!;
    if (prev === 0) ints[H_LRU_HEAD] = next;
    else ints[this.recAt(prev - 1) + R_NEXT] = next;
    if (next === 0) ints[H_LRU_TAIL] = prev;
    else ints[this.recAt(next - 1) + R_PREV] = prev;
    ints[at + R_PREV] = 0;
    ints[at + R_NEXT] = 0;
  }

  private linkNewest(r: number): void {
    const ints = this.ints;
    const at = this.recAt(r);
    const tail = ints[H_LRU_TAIL]!;
    ints[at + R_PREV] = tail;
    ints[at + R_NEXT] = 0;
    if (tail === 0) ints[H_LRU_HEAD] = r + 1;
    else ints[this.recAt(tail - 1) + R_NEXT] = r + 1;
    ints[H_LRU_TAIL] = r + 1;
  }

  /** Marks a record most recently used. */
  private touch(r: number): void {
    if (this.ints[H_LRU_TAIL] === r + 1) return;
    this.unlinkLru(r);
    this.linkNewest(r);
  }

  private write(w: Cursor, src: Buffer): Cursor {
    let [k, off] = w;
    let pos = 0;
    while (pos < src.length) {
      if (off === BLOCK_BYTES) {
        k = this.ints[this.layout.nextAt + k]! - 1;
        off = 0;
      }
      const n = Math.min(BLOCK_BYTES - off, src.length - pos);
      src.copy(this.data, k * BLOCK_BYTES + off, pos, pos + n);
      pos += n;
      off += n;
    }
    return [k, off];
  }
}
