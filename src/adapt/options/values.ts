/**
 * Value parsers shared by global options and TLS/logging modules, matching
 * what Caddy does at adapt time (caddy.ParseDuration, humanize.ParseBytes).
 */

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
};

/**
 * Parses a Go duration string with Caddy's extra `d` (day) unit into
 * nanoseconds, the way caddy.Duration marshals it. Throws on bad input with
 * Go's message.
 */
export function parseDuration(input: string): number {
  const bad = () => new Error(`time: invalid duration "${input}"`);
  let s = input;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw bad();
  let total = 0;
  const re = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/;
  while (s.length > 0) {
    const m = re.exec(s);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) throw bad();
    const unit = UNIT_NS[m[3]!];
    if (unit === undefined) throw new Error(`time: unknown unit "${m[3]}" in duration "${input}"`);
    const whole = m[1] === '' ? 0 : Number(m[1]);
    const frac = m[2] ? Number(`0.${m[2]}`) : 0;
    total += whole * unit + Math.round(frac * unit);
    s = s.slice(m[0].length);
  }
  return sign * total;
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  ki: 1024,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1e12,
  tb: 1e12,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
  p: 1e15,
  pb: 1e15,
  pi: 1024 ** 5,
  pib: 1024 ** 5,
  e: 1e18,
  eb: 1e18,
  ei: 1024 ** 6,
  eib: 1024 ** 6,
};

/** humanize.ParseBytes: `10MB` = 10,000,000 and `10MiB` = 10,485,760. */
export function parseBytes(input: string): number {
  let lastDigit = 0;
  let sawSpace = false;
  for (const ch of input) {
    if (!(/[0-9.,]/.test(ch) || (ch === ' ' && !sawSpace))) break;
    if (ch === ' ') sawSpace = true;
    lastDigit++;
  }
  const num = input.slice(0, lastDigit).replace(/,/g, '').trim();
  const value = Number(num);
  if (num === '' || Number.isNaN(value)) throw new Error(`strconv.ParseFloat: parsing "${num}": invalid syntax`);
  const unit = input.slice(lastDigit).trim().toLowerCase();
  const mult = BYTE_UNITS[unit];
  if (mult === undefined) throw new Error(`unhandled size name: ${unit}`);
  return Math.floor(value * mult);
}

/** strconv.Atoi with Go's error message. */
export function parseIntStrict(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing "${s}": invalid syntax`);
  return Number(s);
}

/** strconv.ParseFloat(s, 64) with Go's error message. */
export function parseFloatStrict(s: string): number {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    throw new Error(`strconv.ParseFloat: parsing "${s}": invalid syntax`);
  }
  return Number(s);
}

/** Sorts object keys recursively, as Go does when it marshals a map. */
export function sortKeysDeep<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => sortKeysDeep(x)) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const val = (v as Record<string, unknown>)[k];
      if (val !== undefined) out[k] = sortKeysDeep(val);
    }
    return out as T;
  }
  return v;
}

/**
 * caddyconfig.JSONModuleObject: the module's JSON with its name under `key`
 * (e.g. `{"module": "acme", ...}`); the round trip through a Go map sorts the
 * keys, so Caddy's output shows them alphabetically.
 */
export function moduleObject(value: Record<string, unknown>, key: string, name: string): Record<string, unknown> {
  return sortKeysDeep({ ...value, [key]: name });
}

/** Drops undefined fields, keeping the key order (Go's omitempty on a struct). */
export function compact<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}
