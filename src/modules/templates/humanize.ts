/**
 * The `humanize` template function: go-humanize's Bytes ("83 MB", SI units)
 * and Time ("3 days ago", "2 hours from now"), as Caddy calls them.
 */
import { parseTime } from '../../go/template/gotime.js';

const SIZES = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** humanize.Bytes. */
export function humanBytes(s: number): string {
  if (s < 10) return `${s} B`;
  const e = Math.floor(Math.log(s) / Math.log(1000));
  const suffix = SIZES[e]!;
  const val = Math.floor((s / 1000 ** e) * 10 + 0.5) / 10;
  return val < 10 ? `${val.toFixed(1)} ${suffix}` : `${val.toFixed(0)} ${suffix}`;
}

const SECOND = 1;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;
const YEAR = 12 * MONTH;
const LONG = 37 * YEAR;

const MAGNITUDES: ReadonlyArray<[number, string, number]> = [
  [SECOND, 'now', SECOND],
  [2 * SECOND, '1 second %s', 1],
  [MINUTE, '%d seconds %s', SECOND],
  [2 * MINUTE, '1 minute %s', 1],
  [HOUR, '%d minutes %s', MINUTE],
  [2 * HOUR, '1 hour %s', 1],
  [DAY, '%d hours %s', HOUR],
  [2 * DAY, '1 day %s', 1],
  [WEEK, '%d days %s', DAY],
  [2 * WEEK, '1 week %s', 1],
  [MONTH, '%d weeks %s', WEEK],
  [2 * MONTH, '1 month %s', 1],
  [YEAR, '%d months %s', MONTH],
  [18 * MONTH, '1 year %s', 1],
  [2 * YEAR, '2 years %s', 1],
  [LONG, '%d years %s', YEAR],
  [Number.MAX_SAFE_INTEGER, 'a long while %s', 1],
];

/** humanize.Time: then relative to now, in go-humanize's words. */
export function humanTime(thenMs: number, nowMs = Date.now()): string {
  let label = 'ago';
  let diff = Math.floor((nowMs - thenMs) / 1000);
  if (thenMs > nowMs) {
    label = 'from now';
    diff = Math.floor((thenMs - nowMs) / 1000);
  }
  const m = MAGNITUDES.find(([d]) => diff < d) ?? MAGNITUDES[MAGNITUDES.length - 1]!;
  const [, format, divby] = m;
  return format.replace('%d', String(Math.floor(diff / divby))).replace('%s', label).trim();
}

/** Caddy's funcHumanize(formatType, data). */
export function humanize(formatType: string, data: string): string {
  const parts = formatType.split(':');
  switch (parts[0]) {
    case 'size': {
      if (!/^\d+$/.test(data)) throw new Error(`humanize: size cannot be parsed: strconv.ParseUint: parsing ${JSON.stringify(data)}: invalid syntax`);
      return humanBytes(Number(data));
    }
    case 'time': {
      // Caddy takes the text up to the next ':' as the layout (parts[1]), so a layout cannot hold one.
      const layout = parts.length > 1 ? parts[1]! : 'Mon, 02 Jan 2006 15:04:05 -0700';
      let t;
      try {
        t = parseTime(layout, data);
      } catch (e) {
        throw new Error(`humanize: time cannot be parsed: ${(e as Error).message}`);
      }
      return humanTime(t.UnixMilli());
    }
  }
  throw new Error('no know function was given');
}
