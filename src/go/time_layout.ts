/**
 * Go's time layouts ("2006-01-02 15:04:05.000 -0700 MST"): the layout split
 * into Go's std chunks once, and a formatter compiled from it that prints an
 * instant in a fixed zone. Templates' time.Time.Format and the log encoders'
 * custom time_format share it; time.Parse (src/go/template/gotime.ts) reads
 * the same chunks.
 */

export const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
export const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const SHORT_DAYS = LONG_DAYS.map((d) => d.slice(0, 3));
const SHORT_MONTHS = LONG_MONTHS.map((m) => m.slice(0, 3));

/** A chunk of a layout: literal text, a std element by its Go spelling, or fractional seconds. */
export type LayoutChunk = { kind: 'lit'; s: string } | { kind: 'frac0' | 'frac9'; n: number; sep: string } | { kind: string };

const STD = [
  'January', 'Jan', 'Monday', 'Mon', 'MST',
  '2006', '-07:00:00', '-0700', '-07:00', '-07', 'Z07:00:00', 'Z0700', 'Z07:00', 'Z07',
  '01', '02', '03', '04', '05', '06', '002', '__2', '_2', '15', '1', '2', '3', '4', '5', 'PM', 'pm',
];

export function tokenizeLayout(layout: string): LayoutChunk[] {
  const out: LayoutChunk[] = [];
  let lit = '';
  let i = 0;
  outer: while (i < layout.length) {
    // Fractional seconds: .000 / .999 / ,000 where the run of digits ends the number (Go's nextStdChunk).
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
    if (frac !== null) {
      if (lit) out.push({ kind: 'lit', s: lit });
      lit = '';
      out.push({ kind: frac[1]![0] === '0' ? 'frac0' : 'frac9', n: frac[1]!.length, sep: frac[0][0]! });
      i += frac[0].length;
      continue;
    }
    for (const s of STD) {
      if (!layout.startsWith(s, i)) continue;
      // Go: "Jan"/"Mon" only where the following letters do not make another word.
      if ((s === 'Jan' || s === 'Mon') && /^[a-z]/.test(layout.slice(i + 3))) continue;
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

export function localOffsetMinutes(ms: number): number {
  return -new Date(ms).getTimezoneOffset();
}

/** Go's numeric zone name (a zone without an abbreviation): "+0530". */
export function numericZone(offMin: number): string {
  const sign = offMin < 0 ? '-' : '+';
  const a = Math.abs(offMin);
  return sign + String(Math.floor(a / 60)).padStart(2, '0') + String(a % 60).padStart(2, '0');
}

/** The local zone's abbreviation at `ms` as Go's time.Local names it ("UTC", "CET"), else the numbers. */
export function localZoneName(ms: number): string {
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

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

function zoneOffset(off: number, kind: string): string {
  if (kind.charCodeAt(0) === 90 /* Z */ && off === 0) return 'Z';
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

/** The wall clock of one instant in its zone, read once per formatted time. */
interface Wall {
  /** The wall clock as a UTC Date (instant + offset). */
  w: Date;
  offsetMin: number;
  zone: string;
  /** Nanoseconds within the second. */
  ns: number;
}

type Part = (t: Wall) => string;

function yearDay(w: Date): number {
  return Math.floor((w.getTime() - Date.UTC(w.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}
const hour12 = (w: Date): number => w.getUTCHours() % 12 || 12;

function part(c: LayoutChunk): Part {
  switch (c.kind) {
    case 'lit': {
      const s = (c as { s: string }).s;
      return () => s;
    }
    case 'January': return (t) => LONG_MONTHS[t.w.getUTCMonth()]!;
    case 'Jan': return (t) => SHORT_MONTHS[t.w.getUTCMonth()]!;
    case 'Monday': return (t) => LONG_DAYS[t.w.getUTCDay()]!;
    case 'Mon': return (t) => SHORT_DAYS[t.w.getUTCDay()]!;
    case 'MST': return (t) => t.zone;
    case '2006': return (t) => String(t.w.getUTCFullYear()).padStart(4, '0');
    case '06': return (t) => pad2(t.w.getUTCFullYear() % 100);
    case '01': return (t) => pad2(t.w.getUTCMonth() + 1);
    case '1': return (t) => String(t.w.getUTCMonth() + 1);
    case '02': return (t) => pad2(t.w.getUTCDate());
    case '2': return (t) => String(t.w.getUTCDate());
    case '_2': return (t) => String(t.w.getUTCDate()).padStart(2, ' ');
    case '002': return (t) => String(yearDay(t.w)).padStart(3, '0');
    case '__2': return (t) => String(yearDay(t.w)).padStart(3, ' ');
    case '15': return (t) => pad2(t.w.getUTCHours());
    case '03': return (t) => pad2(hour12(t.w));
    case '3': return (t) => String(hour12(t.w));
    case '04': return (t) => pad2(t.w.getUTCMinutes());
    case '4': return (t) => String(t.w.getUTCMinutes());
    case '05': return (t) => pad2(t.w.getUTCSeconds());
    case '5': return (t) => String(t.w.getUTCSeconds());
    case 'PM': return (t) => (t.w.getUTCHours() >= 12 ? 'PM' : 'AM');
    case 'pm': return (t) => (t.w.getUTCHours() >= 12 ? 'pm' : 'am');
    case 'frac0': {
      const { n, sep } = c as { n: number; sep: string };
      return (t) => sep + String(t.ns).padStart(9, '0').slice(0, n);
    }
    case 'frac9': {
      const { n, sep } = c as { n: number; sep: string };
      return (t) => {
        let end = n;
        const digits = String(t.ns).padStart(9, '0');
        while (end > 0 && digits.charCodeAt(end - 1) === 48) end--;
        return end === 0 ? '' : sep + digits.slice(0, end);
      };
    }
    default: {
      const kind = c.kind;
      return (t) => zoneOffset(t.offsetMin, kind);
    }
  }
}

/** Prints an instant (ms since the epoch, nanoseconds within the second) at a fixed offset named `zone`. */
export type LayoutFormatter = (ms: number, offsetMin: number, zone: string, nsOfSecond: number) => string;

/** Compiles a Go layout once; the formatter does one Date and the layout's parts per call. */
export function compileLayout(layout: string): LayoutFormatter {
  const parts = tokenizeLayout(layout).map(part);
  const wall: Wall = { w: new Date(0), offsetMin: 0, zone: '', ns: 0 };
  return (ms, offsetMin, zone, ns) => {
    wall.w.setTime(ms + offsetMin * 60_000);
    wall.offsetMin = offsetMin;
    wall.zone = zone;
    wall.ns = ns;
    let out = '';
    for (let i = 0; i < parts.length; i++) out += parts[i]!(wall);
    return out;
  };
}

/** Whether the layout prints the zone's name (MST), which costs a lookup per instant in local time. */
export function layoutNamesZone(layout: string): boolean {
  return tokenizeLayout(layout).some((c) => c.kind === 'MST');
}

const compiled = new Map<string, LayoutFormatter>();

/** time.Time.Format for a layout known only at the call (templates); compiled layouts are kept, up to 256. */
export function formatLayout(layout: string, ms: number, offsetMin: number, zone: string, nsOfSecond: number): string {
  let f = compiled.get(layout);
  if (f === undefined) {
    f = compileLayout(layout);
    if (compiled.size >= 256) compiled.clear();
    compiled.set(layout, f);
  }
  return f(ms, offsetMin, zone, nsOfSecond);
}
