/**
 * Parsers for the units Caddy reads at adapt time, with Go's error texts so
 * messages match Caddy's: durations (Go's time.ParseDuration, plus Caddy's
 * `d` for days) and byte sizes (go-humanize's ParseBytes: 1KB = 1000, 1KiB = 1024).
 */

const unitNs: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const MAX_INT64 = 2n ** 63n - 1n;

/**
 * Go's time.ParseDuration: returns nanoseconds or throws Error with Go's message.
 * Like Go, each component's whole part is exact and its fraction is truncated
 * to whole nanoseconds (`1.5ns` is 1ns); fraction digits past int64 are ignored.
 */
export function parseGoDuration(s: string): number {
  const orig = s;
  const invalid = (): Error => new Error(`time: invalid duration ${JSON.stringify(orig)}`);
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const intPart = m[1] ?? '';
    const fracPart = m[2];
    if (intPart === '' && (fracPart === undefined || fracPart === '')) throw invalid();
    s = s.slice(m[0].length);
    const u = /^[^0-9.]*/.exec(s)![0];
    if (u === '') throw new Error(`time: missing unit in duration ${JSON.stringify(orig)}`);
    const mult = unitNs[u];
    if (mult === undefined) throw new Error(`time: unknown unit ${JSON.stringify(u)} in duration ${JSON.stringify(orig)}`);
    s = s.slice(u.length);
    let v = BigInt(intPart || '0') * BigInt(mult);
    if (v > MAX_INT64) throw invalid();
    if (fracPart) {
      // Go's leadingFraction: stop taking digits once the fraction would overflow int64.
      let f = 0n;
      let scale = 1;
      for (const c of fracPart) {
        const next = f * 10n + BigInt(c);
        if (next > MAX_INT64) break;
        f = next;
        scale *= 10;
      }
      v += BigInt(Math.trunc(Number(f) * (mult / scale)));
    }
    total += v;
    if (total > MAX_INT64) throw invalid();
  }
  return Number(neg ? -total : total);
}

/** caddy.ParseDuration: Go durations plus a `d` (24h) unit. Nanoseconds. */
export function parseCaddyDuration(s: string): number {
  if (s.length > 1024) throw new Error('parsing duration: input string too long');
  // Rewrite every `<number>d` into hours, as Caddy does, then defer to Go's rules.
  let inNumber = false;
  let numStart = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === 'd') {
      const days = parseFloat64(s.slice(numStart, i));
      s = `${s.slice(0, numStart)}${days * 24}h${s.slice(i + 1)}`;
      i--;
      continue;
    }
    if (!inNumber) numStart = i;
    inNumber = (ch >= '0' && ch <= '9') || ch === '.' || ch === '-' || ch === '+';
  }
  return parseGoDuration(s);
}

const byteUnits: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  ki: 2 ** 10,
  kib: 2 ** 10,
  m: 1e6,
  mb: 1e6,
  mi: 2 ** 20,
  mib: 2 ** 20,
  g: 1e9,
  gb: 1e9,
  gi: 2 ** 30,
  gib: 2 ** 30,
  t: 1e12,
  tb: 1e12,
  ti: 2 ** 40,
  tib: 2 ** 40,
  p: 1e15,
  pb: 1e15,
  pi: 2 ** 50,
  pib: 2 ** 50,
  e: 1e18,
  eb: 1e18,
  ei: 2 ** 60,
  eib: 2 ** 60,
};

/** go-humanize ParseBytes: `10MB` → 10000000, `1KiB` → 1024, `1,000` → 1000. */
export function parseBytes(s: string): number {
  let lastDigit = 0;
  for (const ch of s) {
    if (!/[0-9.,]/.test(ch)) break;
    lastDigit++;
  }
  const num = s.slice(0, lastDigit).replaceAll(',', '');
  if (!/^(\d+\.?\d*|\.\d+)$/.test(num)) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: invalid syntax`);
  const extra = s.slice(lastDigit).trim().toLowerCase();
  const mult = byteUnits[extra];
  if (mult === undefined) throw new Error(`unhandled size name: ${extra}`);
  const f = Number(num) * mult;
  if (f >= 2 ** 64) throw new Error(`too large: ${s}`);
  return Math.trunc(f);
}

/** Go's strconv.Atoi: a decimal integer with an optional sign, nothing else. */
export function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/**
 * Go's strconv.ParseFloat(s, 64) for decimal notation (no hex, Inf or NaN,
 * which no Caddyfile value needs), with Go's message.
 */
export function parseFloat64(s: string): number {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
  }
  return Number(s);
}

/** Go's strconv.ParseBool. */
export function parseBool(s: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw new Error(`strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`);
}
