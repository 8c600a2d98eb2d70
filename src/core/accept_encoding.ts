/**
 * Caddy's encode.AcceptedEncodings: the client's Accept-Encoding entries in
 * the order to try them — highest q first; among equal q, the server's
 * `prefer` order, then the header's order. q=0 entries (`identity;q=0`,
 * `gzip;q=0`) are refused; an invalid q counts as 1. A WebSocket handshake
 * gets nothing but identity.
 */

interface Pref {
  name: string;
  q: number;
  prefer: number;
}

export function acceptedEncodings(acceptEncoding: string | undefined, websocketKey: string | undefined, prefer: readonly string[]): string[] {
  if (acceptEncoding === undefined || acceptEncoding === '') return [];
  const prefs: Pref[] = [];
  for (const accepted of acceptEncoding.split(',')) {
    const parts = accepted.split(';');
    const name = parts[0]!.trim().toLowerCase();
    let q = 1;
    if (parts.length > 1) {
      const qs = parts[1]!.trim().toLowerCase();
      if (qs.startsWith('q=')) {
        const text = qs.slice(2);
        // strconv.ParseFloat: a number, nothing else around it.
        if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(text)) {
          const v = Number(text);
          if (v >= 0 && v <= 1) q = v;
        }
      }
    }
    if (q < 0.00001) continue;
    if (websocketKey && name !== 'identity') continue;
    const idx = prefer.indexOf(name);
    prefs.push({ name, q, prefer: idx > -1 ? prefer.length - idx : -1 });
  }
  // Stable: equal entries keep the header's order.
  prefs.sort((a, b) => {
    if (Math.abs(a.q - b.q) < 0.00001) return b.prefer - a.prefer;
    return b.q - a.q;
  });
  return prefs.map((p) => p.name);
}
