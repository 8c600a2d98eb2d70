/**
 * Log field values zap encodes specially: durations (encoded per the
 * encoder's duration_format, seconds by default) and how plain values
 * become JSON. Numbers never use exponents (zap's AppendFloat 'f', -1), so
 * a fast request logs "duration":0.000004677, not 4.677e-6.
 */
export class Duration {
  /** Nanoseconds. */
  constructor(readonly ns: number) {}
}

export type DurationFormat = 'seconds' | 'nano' | 'ms' | 'string';

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return JSON.stringify(String(n));
  const s = String(n);
  if (!s.includes('e')) return s;
  if (Math.abs(n) < 1) {
    // Enough digits to keep the value's precision, trailing zeros trimmed.
    return n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
  }
  return BigInt(Math.round(n)).toString();
}

/** Go's time.Duration.String(): 1.5s, 3.2ms, 450µs, 12ns, 1m2.5s. */
export function goDurationString(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let n = Math.abs(Math.round(ns));
  let out: string;
  if (n < 1e3) out = `${n}ns`;
  else if (n < 1e6) out = `${trim(n / 1e3)}µs`;
  else if (n < 1e9) out = `${trim(n / 1e6)}ms`;
  else {
    const h = Math.floor(n / 3.6e12);
    n -= h * 3.6e12;
    const m = Math.floor(n / 6e10);
    n -= m * 6e10;
    out = `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${trim(n / 1e9)}s`;
  }
  return neg ? `-${out}` : out;
}

function trim(x: number): string {
  return formatNumber(Number(x.toFixed(9)));
}

export function durationValue(d: Duration, format: DurationFormat): string {
  switch (format) {
    case 'nano':
      return String(Math.round(d.ns));
    case 'ms':
      return formatNumber(d.ns / 1e6);
    case 'string':
      return JSON.stringify(goDurationString(d.ns));
    default:
      return formatNumber(d.ns / 1e9);
  }
}

/**
 * JSON for one value, with zap's number form and durations; `sep` is what
 * goes after a key's colon and between members (the console encoder spaces
 * them out: {"a": 1, "b": 2}).
 */
export function encodeValue(v: unknown, df: DurationFormat, spaced: boolean): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return formatNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'object':
      break;
    default:
      return JSON.stringify(String(v));
  }
  if (v instanceof Duration) return durationValue(v, df);
  const sep = spaced ? ', ' : ',';
  if (Array.isArray(v)) return `[${v.map((x) => encodeValue(x, df, spaced)).join(sep)}]`;
  if (v instanceof Error) return JSON.stringify(v.message);
  const colon = spaced ? ': ' : ':';
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined) continue;
    parts.push(`${JSON.stringify(k)}${colon}${encodeValue(x, df, spaced)}`);
  }
  return `{${parts.join(sep)}}`;
}
