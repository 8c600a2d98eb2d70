/**
 * Two independent 32-bit string hashes over UTF-16 code units (no encoding
 * step, so they are cheap per request); together they name a key in a
 * shared table by 64 bits, where a collision is not a practical concern.
 */

/** FNV-1a. */
export function hash32a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** A multiply-xorshift hash (murmur3's mixing), independent of FNV's. */
export function hash32b(s: string): number {
  let h = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
