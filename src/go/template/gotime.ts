/**
 * Go's time.Time for templates: an instant with a fixed zone offset, Go's
 * layout-based Format and Parse ("2006-01-02 15:04:05 -0700 MST"), and the
 * methods templates call on it (.Year, .Format, .Unix, .UTC ...).
 * time.Duration is GoDuration (nanoseconds, printed as Go prints it).
 */
import { goDuration } from '../fmt.js';
import { formatLayout, localOffsetMinutes, localZoneName, LONG_DAYS, LONG_MONTHS, numericZone, tokenizeLayout } from '../time_layout.js';
import { GO_TYPE } from './values.js';

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

/** time.Time.Format (src/go/time_layout.ts). */
export function formatTime(t: GoTime, layout: string): string {
  return formatLayout(layout, t.ms, t.offsetMin, t.zone, t.Nanosecond());
}

/** time.Parse for the layouts templates use; the error reads as Go's. */
export function parseTime(layout: string, value: string, defaultOffsetMin = 0): GoTime {
  const toks = tokenizeLayout(layout);
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
