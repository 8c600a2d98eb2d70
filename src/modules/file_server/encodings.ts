/**
 * Precompressed sidecars: which encodings the config offers (Caddy's
 * http.precompressed.* modules) and the order a request accepts them in
 * (encode.AcceptedEncodings: q-value first, then the configured order).
 */

/** The precompressor modules Caddy ships: Accept-Encoding token → sidecar suffix. */
export const precompressors: Record<string, string> = { br: '.br', gzip: '.gz', zstd: '.zst' };

interface Pref {
  name: string;
  q: number;
  order: number;
}

/**
 * The client's acceptable encodings, best first. q=0 removes an encoding;
 * equal q-values (within float noise) go by `preferred` (earlier wins),
 * then by the client's own order. Names are lower-cased.
 */
export function acceptedEncodings(header: string | undefined, preferred: readonly string[]): string[] {
  if (!header) return [];
  const prefs: Pref[] = [];
  for (const item of header.split(',')) {
    const parts = item.split(';');
    const name = parts[0]!.trim().toLowerCase();
    let q = 1;
    if (parts.length > 1) {
      const qs = parts[1]!.trim().toLowerCase();
      if (qs.startsWith('q=')) {
        const v = Number(qs.slice(2));
        if (qs.length > 2 && !Number.isNaN(v) && v >= 0 && v <= 1) q = v;
      }
    }
    if (q < 0.00001) continue;
    const i = preferred.indexOf(name);
    prefs.push({ name, q, order: i < 0 ? -1 : preferred.length - i });
  }
  // Array.prototype.sort is stable, so ties keep the client's order.
  prefs.sort((a, b) => (Math.abs(a.q - b.q) < 0.00001 ? b.order - a.order : b.q - a.q));
  return prefs.map((p) => p.name);
}
