/**
 * Where things are in the shared store's block (shared_store.ts), derived
 * from memory_limit alone, so every worker that asks for the same budget
 * lays the same bytes out the same way.
 *
 *   header   HEADER_INTS Int32: lock, counters, free lists, LRU ends, refs
 *   buckets  Int32 per bucket: first record of the chain (index + 1, 0: none)
 *   records  REC_INTS Int32 each (fields R_*), 8-aligned for the Float64 dropAt
 *   next     Int32 per data block: the next block of its chain (index + 1)
 *   data     BLOCK_BYTES per block: key, tags, head and body of a response
 *
 * memory_limit buys data blocks; the index (records, buckets, chain links)
 * comes on top of it, about 8% more.
 */

/** A response's bytes are kept in chained blocks of this size (a 2-byte body with its head fits one). */
export const BLOCK_BYTES = 512;
export const HEADER_INTS = 16;
export const REC_INTS = 16;

/** Header cells. */
export const H_LOCK = 0;
/** Records ever handed out (the bump allocator's mark; free ones go to the free list). */
export const H_RECORDS_HIGH = 1;
export const H_RECORDS_FREE = 2;
export const H_RECORDS_USED = 3;
export const H_BLOCKS_HIGH = 4;
export const H_BLOCKS_FREE = 5;
export const H_BLOCKS_USED = 6;
/** Least recently used record (index + 1). */
export const H_LRU_HEAD = 7;
/** Most recently used record (index + 1). */
export const H_LRU_TAIL = 8;
/** Counts every put, so (record, generation) names one stored response for ever. */
export const H_GEN = 9;
/** Workers holding the store: the last one out clears it. */
export const H_REFS = 10;

/** Record fields. A free record has R_HASH_A = 0 (a key's is never 0). */
export const R_HASH_A = 0;
export const R_HASH_B = 1;
/** The next record of the bucket's chain, or of the free list (index + 1). */
export const R_CHAIN = 2;
/** Towards the least recently used (index + 1). */
export const R_PREV = 3;
/** Towards the most recently used (index + 1). */
export const R_NEXT = 4;
export const R_FIRST = 5;
export const R_BLOCKS = 6;
export const R_KEY_LEN = 7;
export const R_TAGS_LEN = 8;
export const R_HEAD_LEN = 9;
export const R_BODY_LEN = 10;
export const R_GEN = 11;
/** Float64 over fields 12-13: Date.now() after which the response is no use even stale. */
export const R_DROP_AT = 12;
/** A hash of the Vary'd request values: a put replaces the variant with the same ones. */
export const R_VARY = 14;
/** Two bits per Surrogate-Key tag: a purge by tag reads only the records whose bits match. */
export const R_TAG_BLOOM = 15;

export interface StoreLayout {
  budget: number;
  blocks: number;
  records: number;
  buckets: number;
  /** Int32 indexes of the buckets, the records and the block links. */
  bucketsAt: number;
  recordsAt: number;
  nextAt: number;
  /** Byte offset of the first data block. */
  dataAt: number;
  bytes: number;
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

export function storeLayout(budget: number): StoreLayout {
  const blocks = Math.max(1, Math.floor(budget / BLOCK_BYTES));
  // Every response takes a block at least, and most more: one record per two blocks, and never fewer than 64.
  const records = Math.max(64, Math.ceil(blocks / 2));
  const buckets = 2 ** Math.ceil(Math.log2(records));
  const bucketsAt = HEADER_INTS;
  const recordsAt = align8((bucketsAt + buckets) * 4) / 4;
  const nextAt = recordsAt + records * REC_INTS;
  const dataAt = align8((nextAt + blocks) * 4);
  return { budget, blocks, records, buckets, bucketsAt, recordsAt, nextAt, dataAt, bytes: dataAt + blocks * BLOCK_BYTES };
}
