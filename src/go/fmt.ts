/**
 * How Go prints the values behind placeholders, so that `{http.request.duration}`
 * reads `1.5ms`, `{time.now}` reads like Go's time.Time, and numbers and
 * booleans stored in variables print as caddy.ToString prints them.
 */
import { hostname } from 'node:os';

/** fmtFrac: v/10**prec as ".ddd" without trailing zeros ('' when the fraction is 0). */
function frac(v: bigint, prec: number): [string, bigint] {
  let s = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print ||= digit !== 0n;
    if (print) s = digit.toString() + s;
    v /= 10n;
  }
  return [print ? '.' + s : '', v];
}

/** time.Duration.String(): `0s`, `850ns`, `12.5µs`, `1.5ms`, `2m3.5s`, `1h0m0s`. */
export function goDuration(nanoseconds: bigint | number): string {
  let u = typeof nanoseconds === 'bigint' ? nanoseconds : BigInt(Math.trunc(nanoseconds));
  const neg = u < 0n;
  if (neg) u = -u;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u === 0n) return '0s';
    let unit: string;
    let prec: number;
    if (u < 1000n) {
      unit = 'ns';
      prec = 0;
    } else if (u < 1_000_000n) {
      unit = 'µs';
      prec = 3;
    } else {
      unit = 'ms';
      prec = 6;
    }
    const [f, whole] = frac(u, prec);
    out = whole.toString() + f + unit;
  } else {
    const [f, secs] = frac(u, 9);
    let s = (secs % 60n).toString() + f + 's';
    let mins = secs / 60n;
    if (mins > 0n) {
      s = (mins % 60n).toString() + 'm' + s;
      const hours = mins / 60n;
      if (hours > 0n) s = hours.toString() + 'h' + s;
      mins = 0n;
    }
    out = s;
  }
  return neg ? '-' + out : out;
}

/** strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent. */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  // Expand JavaScript's exponent form: digits and a decimal exponent.
  const neg = s.startsWith('-');
  const mant = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mant.indexOf('.');
  const digits = mant.replace('.', '');
  const pointAt = (dot < 0 ? mant.length : dot) + exp;
  let body: string;
  if (pointAt <= 0) body = '0.' + '0'.repeat(-pointAt) + digits;
  else if (pointAt >= digits.length) body = digits + '0'.repeat(pointAt - digits.length);
  else body = digits.slice(0, pointAt) + '.' + digits.slice(pointAt);
  return (neg ? '-' : '') + body;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Go's numeric zone, "-0700". */
function zoneOffset(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${sign}${pad(Math.floor(a / 60))}${pad(a % 60)}`;
}

/**
 * The zone abbreviation Go prints ("UTC", "CET"...). Intl only knows names for
 * some zones; for the others Go prints the offset ("+01"), and so do we.
 */
function zoneName(d: Date): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(d)
    .find((p) => p.type === 'timeZoneName')?.value;
  if (name && !/^GMT[+-]/.test(name)) return name;
  const off = zoneOffset(d);
  return off.endsWith('00') ? off.slice(0, 3) : off;
}

const processStartNs = process.hrtime.bigint() - BigInt(Math.round(process.uptime() * 1e9));

/**
 * time.Time.String() of time.Now(): "2006-01-02 15:04:05.999999999 -0700 MST
 * m=+0.000000001" in local time; the monotonic reading is the process uptime
 * (Go's is since process start too). JavaScript clocks give milliseconds, so
 * the fraction has at most three digits where Go's has nine.
 */
export function goTimeString(d: Date = new Date()): string {
  const ms = d.getMilliseconds();
  const fracStr = ms === 0 ? '' : '.' + pad(ms, 3).replace(/0+$/, '');
  const mono = process.hrtime.bigint() - processStartNs;
  const monoStr = `${mono / 1_000_000_000n}.${(mono % 1_000_000_000n).toString().padStart(9, '0')}`;
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${fracStr} ` +
    `${zoneOffset(d)} ${zoneName(d)} m=+${monoStr}`
  );
}

/** Go layout "02/Jan/2006:15:04:05 -0700" (common log format), local time. */
export function commonLogTime(d: Date = new Date()): string {
  return (
    `${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zoneOffset(d)}`
  );
}

/** http.TimeFormat in UTC ("Mon, 02 Jan 2006 15:04:05 GMT"): the same text as Date's toUTCString. */
export function httpTime(d: Date = new Date()): string {
  return d.toUTCString();
}

/** Go's runtime.GOOS for process.platform. */
export function goOS(): string {
  const p = process.platform;
  return p === 'win32' ? 'windows' : p === 'sunos' ? 'solaris' : p;
}

/** Go's runtime.GOARCH for process.arch. */
export function goArch(): string {
  switch (process.arch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    case 'ppc64':
      return 'ppc64le';
    default:
      return process.arch;
  }
}

let cachedHostname: string | undefined;
/** os.Hostname(), read once (it does not change under a running server in practice). */
export function goHostname(): string {
  return (cachedHostname ??= hostname());
}

/**
 * caddy.ToString: how a placeholder value becomes text. Strings as they are,
 * null/undefined as '', numbers like strconv (integers without '.0', floats
 * shortest), booleans as true/false, Dates like Go's time.Time, Buffers as
 * UTF-8, errors by message, arrays like Go's %v of a slice ("[a b]").
 */
export function toGoString(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return Number.isInteger(v) && Math.abs(v) < 1e21 ? String(v) : goFloat(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'undefined':
      return '';
    case 'object':
      if (v === null) return '';
      if (v instanceof Date) return goTimeString(v);
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
      if (v instanceof Error) return v.message;
      if (Array.isArray(v)) return '[' + v.map(toGoString).join(' ') + ']';
      if (typeof (v as { toString?: unknown }).toString === 'function' && (v as object).toString !== Object.prototype.toString) {
        return String(v);
      }
      return 'map[' + Object.entries(v as object).map(([k, x]) => `${k}:${toGoString(x)}`).join(' ') + ']';
    default:
      return String(v);
  }
}
