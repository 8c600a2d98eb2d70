/**
 * Go's time.Time for templates: an instant with a fixed zone offset, Go's
 * layout-based Format and Parse ("2006-01-02 15:04:05 -0700 MST"), and the
 * methods templates call on it (.Year, .Format, .Unix, .UTC ...).
 * time.Duration is GoDuration (nanoseconds, printed as Go prints it).
 */
import { goDuration } from '../fmt.js';
import { GO_TYPE } from './values.js';

const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export class GoDuration {
  readonly [GO_TYPE] = 'time.Duration';
  constructor(readonly ns: number) {}
  String(): string {
    return goDuration(this.ns);
  }
  Seconds(): number {
    return this.ns / 1e9;
  }
  Minutes(): number {
    return this.ns / 6e10;
  }
  Hours(): number {
    return this.ns / 3.6e12;
  }
  Milliseconds(): number {
    return Math.trunc(this.ns / 1e6);
  }
  Nanoseconds(): number {
    return this.ns;
  }
  valueOf(): number {
    return this.ns;
  }
}

class Named {
  readonly [GO_TYPE]: string;
  constructor(
    private readonly n: number,
    private readonly s: string,
    type: string,
  ) {
    this[GO_TYPE] = type;
  }
  String(): string {
    return this.s;
  }
  valueOf(): number {
    return this.n;
  }
}

function localOffsetMinutes(ms: number): number {
  return -new Date(ms).getTimezoneOffset();
}

function localZoneName(ms: number): string {
  const off = localOffsetMinutes(ms);
  const tz = process.env.TZ;
  if (off === 0 && (tz === undefined || tz === '' || tz === 'UTC' || tz === 'Etc/UTC')) return 'UTC';
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName');
    if (part !== undefined && /^[A-Z]{2,5}$/.test(part.value)) return part.value;
  } catch {
    // fall through to Go's numeric zone name
  }
  return numericZone(off);
}

function numericZone(offMin: number): string {
  const sign = offMin < 0 ? '-' : '+';
  const a = Math.abs(offMin);
  const h = Math.floor(a / 60);
  const m = a % 60;
  return sign + String(h).padStart(2, '0') + String(m).padStart(2, '0');
}

export class GoTime {
  readonly [GO_TYPE] = 'time.Time';
  /** Nanoseconds within the millisecond (JavaScript's Date stops at milliseconds). */
  constructor(
    readonly ms: number,
    readonly offsetMin: number,
    readonly zone: string,
    readonly extraNs = 0,
  ) {}

  static now(): GoTime {
    const ms = Date.now();
    return new GoTime(ms, localOffsetMinutes(ms), localZoneName(ms));
  }

  static fromDate(d: Date): GoTime {
    const ms = d.getTime();
    return new GoTime(ms, localOffsetMinutes(ms), localZoneName(ms));
  }

  static unix(sec: number, nsec = 0): GoTime {
    const ms = sec * 1000 + Math.trunc(nsec / 1e6);
    return new GoTime(ms, localOffsetMinutes(ms), localZoneName(ms), nsec % 1e6);
  }

  /** The wall clock fields in the time's own zone. */
  private wall(): Date {
    return new Date(this.ms + this.offsetMin * 60_000);
  }

  Year(): number {
    return this.wall().getUTCFullYear();
  }
  Month(): Named {
    const m = this.wall().getUTCMonth();
    return new Named(m + 1, LONG_MONTHS[m]!, 'time.Month');
  }
  Day(): number {
    return this.wall().getUTCDate();
  }
  Hour(): number {
    return this.wall().getUTCHours();
  }
  Minute(): number {
    return this.wall().getUTCMinutes();
  }
  Second(): number {
    return this.wall().getUTCSeconds();
  }
  Nanosecond(): number {
    return (((this.ms % 1000) + 1000) % 1000) * 1e6 + this.extraNs;
  }
  Weekday(): Named {
    const d = this.wall().getUTCDay();
    return new Named(d, LONG_DAYS[d]!, 'time.Weekday');
  }
  YearDay(): number {
    const w = this.wall();
    return Math.floor((w.getTime() - Date.UTC(w.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
  }
  Unix(): number {
    return Math.floor(this.ms / 1000);
  }
  UnixMilli(): number {
    return this.ms;
  }
  UnixNano(): number {
    return this.ms * 1e6 + this.extraNs;
  }
  UTC(): GoTime {
    return new GoTime(this.ms, 0, 'UTC', this.extraNs);
  }
  Local(): GoTime {
    return new GoTime(this.ms, localOffsetMinutes(this.ms), localZoneName(this.ms), this.extraNs);
  }
  In(): GoTime {
    return this.Local();
  }
  IsZero(): boolean {
    return this.ms === Date.UTC(1, 0, 1) - 0 && this.extraNs === 0;
  }
  Add(d: unknown): GoTime {
    const ns = Number(d);
    return new GoTime(this.ms + Math.trunc(ns / 1e6), this.offsetMin, this.zone, this.extraNs + (ns % 1e6));
  }
  AddDate(y: number, m: number, d: number): GoTime {
    const w = this.wall();
    const t = Date.UTC(w.getUTCFullYear() + y, w.getUTCMonth() + m, w.getUTCDate() + d, w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds(), w.getUTCMilliseconds());
    return new GoTime(t - this.offsetMin * 60_000, this.offsetMin, this.zone, this.extraNs);
  }
  Sub(u: GoTime): GoDuration {
    return new GoDuration((this.ms - u.ms) * 1e6 + (this.extraNs - u.extraNs));
  }
  Before(u: GoTime): boolean {
    return this.UnixNano() < u.UnixNano();
  }
  After(u: GoTime): boolean {
    return this.UnixNano() > u.UnixNano();
  }
  Equal(u: GoTime): boolean {
    return this.UnixNano() === u.UnixNano();
  }
  Format(layout: string): string {
    return formatTime(this, layout);
  }
  /** time.Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST". */
  String(): string {
    return formatTime(this, '2006-01-02 15:04:05.999999999 -0700 MST');
  }
  toDate(): Date {
    return new Date(this.ms);
  }
}

/** Turns what a template holds (GoTime, Date, unix seconds) into a GoTime, as sprig's date functions accept. */
export function toGoTime(v: unknown): GoTime {
  if (v instanceof GoTime) return v;
  if (v instanceof Date) return GoTime.fromDate(v);
  if (typeof v === 'number') return GoTime.unix(Math.trunc(v));
  return GoTime.now();
}

// ---- layouts ----

type Tok = { kind: 'lit'; s: string } | { kind: string; n?: number };

const STD = [
  'January', 'Jan', 'Monday', 'Mon', 'MST',
  '2006', '-07:00:00', '-0700', '-07:00', '-07', 'Z07:00:00', 'Z0700', 'Z07:00', 'Z07',
  '01', '02', '03', '04', '05', '06', '002', '__2', '_2', '15', '1', '2', '3', '4', '5', 'PM', 'pm',
];

function tokenize(layout: string): Tok[] {
  const out: Tok[] = [];
  let lit = '';
  let i = 0;
  outer: while (i < layout.length) {
    // Fractional seconds: .000 / .999 / ,000 after a seconds field or anywhere Go accepts them.
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
    if (frac !== null) {
      if (lit) out.push({ kind: 'lit', s: lit });
      lit = '';
      out.push({ kind: frac[1]![0] === '0' ? 'frac0' : 'frac9', n: frac[1]!.length, sep: frac[0][0] } as Tok);
      i += frac[0].length;
      continue;
    }
    for (const s of STD) {
      if (!layout.startsWith(s, i)) continue;
      // Go: "Jan"/"Mon" etc. only where the following letters do not make another word.
      if ((s === 'Jan' || s === 'Mon') && /^[a-z]/.test(layout.slice(i + 3))) continue;
      if (s === '2006' || s === '01' || s === '02' || s === '06' || s === '002') {
        // ok
      }
      if (lit) out.push({ kind: 'lit', s: lit });
      lit = '';
      out.push({ kind: s });
      i += s.length;
      continue outer;
    }
    lit += layout[i];
    i++;
  }
  if (lit) out.push({ kind: 'lit', s: lit });
  return out;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

function zoneOffset(t: GoTime, kind: string): string {
  const off = t.offsetMin;
  if (kind.startsWith('Z') && off === 0) return 'Z';
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  const h = pad2(Math.floor(a / 60));
  const m = pad2(a % 60);
  switch (kind.replace(/^Z/, '-')) {
    case '-07':
      return sign + h;
    case '-0700':
      return sign + h + m;
    case '-07:00':
      return sign + h + ':' + m;
    default:
      return sign + h + ':' + m + ':00';
  }
}

export function formatTime(t: GoTime, layout: string): string {
  const w = new Date(t.ms + t.offsetMin * 60_000);
  const year = w.getUTCFullYear();
  const month = w.getUTCMonth();
  const day = w.getUTCDate();
  const hour = w.getUTCHours();
  const ns = t.Nanosecond();
  let out = '';
  for (const tok of tokenize(layout)) {
    switch (tok.kind) {
      case 'lit': out += (tok as { s: string }).s; break;
      case 'January': out += LONG_MONTHS[month]; break;
      case 'Jan': out += LONG_MONTHS[month]!.slice(0, 3); break;
      case 'Monday': out += LONG_DAYS[w.getUTCDay()]; break;
      case 'Mon': out += LONG_DAYS[w.getUTCDay()]!.slice(0, 3); break;
      case 'MST': out += t.zone; break;
      case '2006': out += String(year).padStart(4, '0'); break;
      case '06': out += pad2(year % 100); break;
      case '01': out += pad2(month + 1); break;
      case '1': out += String(month + 1); break;
      case '02': out += pad2(day); break;
      case '2': out += String(day); break;
      case '_2': out += String(day).padStart(2, ' '); break;
      case '002': out += String(t.YearDay()).padStart(3, '0'); break;
      case '__2': out += String(t.YearDay()).padStart(3, ' '); break;
      case '15': out += pad2(hour); break;
      case '03': out += pad2(hour % 12 === 0 ? 12 : hour % 12); break;
      case '3': out += String(hour % 12 === 0 ? 12 : hour % 12); break;
      case '04': out += pad2(w.getUTCMinutes()); break;
      case '4': out += String(w.getUTCMinutes()); break;
      case '05': out += pad2(w.getUTCSeconds()); break;
      case '5': out += String(w.getUTCSeconds()); break;
      case 'PM': out += hour >= 12 ? 'PM' : 'AM'; break;
      case 'pm': out += hour >= 12 ? 'pm' : 'am'; break;
      case 'frac0':
      case 'frac9': {
        const f = tok as { kind: string; n: number; sep: string };
        let digits = String(ns).padStart(9, '0').slice(0, f.n);
        if (f.kind === 'frac9') {
          digits = digits.replace(/0+$/, '');
          if (digits !== '') out += f.sep + digits;
        } else out += f.sep + digits;
        break;
      }
      default: out += zoneOffset(t, tok.kind);
    }
  }
  return out;
}

/** time.Parse for the layouts templates use; the error reads as Go's. */
export function parseTime(layout: string, value: string, defaultOffsetMin = 0): GoTime {
  const toks = tokenize(layout);
  let year = 1, month = 1, day = 1, hour = 0, min = 0, sec = 0, ns = 0, pm: boolean | null = null;
  let off: number | null = null;
  let zone = '';
  let rest = value;
  const fail = (elem: string): never => {
    throw new Error(`parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(elem)}`);
  };
  const num = (re: RegExp, elem: string): number => {
    const m = re.exec(rest);
    if (m === null) fail(elem);
    rest = rest.slice(m![0].length);
    return Number(m![0].trim());
  };
  for (const tok of toks) {
    switch (tok.kind) {
      case 'lit': {
        const s = (tok as { s: string }).s;
        if (!rest.startsWith(s)) fail(s);
        rest = rest.slice(s.length);
        break;
      }
      case 'January':
      case 'Jan': {
        const i = LONG_MONTHS.findIndex((m) => rest.toLowerCase().startsWith((tok.kind === 'Jan' ? m.slice(0, 3) : m).toLowerCase()));
        if (i < 0) fail(tok.kind);
        rest = rest.slice(tok.kind === 'Jan' ? 3 : LONG_MONTHS[i]!.length);
        month = i + 1;
        break;
      }
      case 'Monday':
      case 'Mon': {
        const i = LONG_DAYS.findIndex((d) => rest.toLowerCase().startsWith((tok.kind === 'Mon' ? d.slice(0, 3) : d).toLowerCase()));
        if (i < 0) fail(tok.kind);
        rest = rest.slice(tok.kind === 'Mon' ? 3 : LONG_DAYS[i]!.length);
        break;
      }
      case '2006': year = num(/^\d{4}/, '2006'); break;
      case '06': year = 2000 + num(/^\d{2}/, '06'); if (year >= 2069) year -= 100; break;
      case '01': month = num(/^\d{2}/, '01'); break;
      case '1': month = num(/^\d{1,2}/, '1'); break;
      case '02': day = num(/^\d{2}/, '02'); break;
      case '2': day = num(/^\d{1,2}/, '2'); break;
      case '_2': day = num(/^[ \d]\d/, '_2'); break;
      case '15': hour = num(/^\d{1,2}/, '15'); break;
      case '03': hour = num(/^\d{2}/, '03'); break;
      case '3': hour = num(/^\d{1,2}/, '3'); break;
      case '04': min = num(/^\d{2}/, '04'); break;
      case '4': min = num(/^\d{1,2}/, '4'); break;
      case '05': sec = num(/^\d{2}/, '05'); break;
      case '5': sec = num(/^\d{1,2}/, '5'); break;
      case 'PM':
      case 'pm': {
        const m = /^(AM|PM)/i.exec(rest);
        if (m === null) fail(tok.kind);
        pm = m![1]!.toUpperCase() === 'PM';
        rest = rest.slice(2);
        break;
      }
      case 'MST': {
        const m = /^[A-Z]{3,5}|^[+-]\d+/.exec(rest);
        if (m === null) fail('MST');
        zone = m![0];
        rest = rest.slice(zone.length);
        if (zone === 'UTC' || zone === 'GMT') off = 0;
        break;
      }
      case 'frac0':
      case 'frac9': {
        const m = /^[.,](\d+)/.exec(rest);
        if (m === null) {
          if (tok.kind === 'frac9') break;
          fail('.000');
        }
        ns = Number(m![1]!.padEnd(9, '0').slice(0, 9));
        rest = rest.slice(m![0].length);
        break;
      }
      default: {
        if (tok.kind.startsWith('Z') && rest.startsWith('Z')) {
          off = 0;
          rest = rest.slice(1);
          break;
        }
        const m = /^([+-])(\d{2}):?(\d{2})?(?::?(\d{2}))?/.exec(rest);
        if (m === null) fail(tok.kind);
        off = (m![1] === '-' ? -1 : 1) * (Number(m![2]) * 60 + Number(m![3] ?? 0));
        rest = rest.slice(m![0].length);
      }
    }
  }
  // A fractional second right after the seconds is accepted even when the layout has none (Go does so).
  if (rest !== '') {
    const m = /^[.,]\d+/.exec(rest);
    if (m !== null && toks.some((t) => t.kind === '05' || t.kind === '5')) {
      ns = Number(m[0].slice(1).padEnd(9, '0').slice(0, 9));
      rest = rest.slice(m[0].length);
    }
  }
  if (rest !== '') throw new Error(`parsing time ${JSON.stringify(value)}: extra text: ${JSON.stringify(rest)}`);
  if (pm !== null) {
    if (pm && hour < 12) hour += 12;
    if (!pm && hour === 12) hour = 0;
  }
  if (month < 1 || month > 12) throw new Error(`parsing time ${JSON.stringify(value)}: month out of range`);
  if (day < 1 || day > 31) throw new Error(`parsing time ${JSON.stringify(value)}: day out of range`);
  const offset = off ?? defaultOffsetMin;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, min, sec, Math.trunc(ns / 1e6));
  const ms = d.getTime() - offset * 60_000;
  // Go names a parsed offset's zone only when the layout had one (MST); otherwise it prints the numbers.
  return new GoTime(ms, offset, zone !== '' ? zone : off === null ? 'UTC' : numericZone(offset), ns % 1e6);
}
