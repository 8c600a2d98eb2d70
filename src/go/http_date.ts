/**
 * HTTP-date parsing, one scanner for the server's two readings of it:
 *
 * - `parseHTTPTime`: Go's net/http.ParseTime, which Caddy's file_server
 *   uses for If-Modified-Since, If-Unmodified-Since and If-Range: time.Parse
 *   with http.TimeFormat ("Mon, 02 Jan 2006 15:04:05 GMT"), then time.RFC850
 *   ("Monday, 02-Jan-06 15:04:05 MST"), then time.ANSIC ("Mon Jan _2
 *   15:04:05 2006"). Go is lenient where its layout engine is: a space
 *   matches one or more spaces, the hour may have one digit, a fraction of
 *   a second may follow the seconds, names are matched ignoring case but
 *   "GMT" is a literal, RFC 850's zone is any abbreviation (read as UTC, as
 *   Go does when the local zone does not know it) and its two-digit year is
 *   19yy from 69 up. The weekday is checked for spelling only.
 * - `parseHTTPDate`: RFC 9110 §5.6.7's grammar strictly, for the cache,
 *   where an invalid Expires means "already expired" (RFC 9111 §5.3) and
 *   the HTTP caching tests expect the looser forms to be refused: single
 *   spaces (asctime pads a one-digit day with a second one), two-digit
 *   hours, no fraction, "GMT" in any case, RFC 850's year within 50 years
 *   of now, a leap second allowed.
 *
 * Both check the day against the month (Go's "day out of range"). Results
 * are epoch milliseconds, undefined for anything that is not a date.
 */

const SHORT_DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const LONG_DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Go's http.ParseTime. */
export function parseHTTPTime(text: string): number | undefined {
  return parse(text, false);
}

/** RFC 9110's HTTP-date, strictly (IMF-fixdate, RFC 850, asctime). */
export function parseHTTPDate(text: string): number | undefined {
  return parse(text, true);
}

function parse(text: string, strict: boolean): number | undefined {
  // Header values arrive without their optional whitespace; be as forgiving for callers that keep it.
  const s = text.trim();
  if (s.length < 20) return undefined;
  const sc = new Scanner(s, strict);
  // What follows a three-letter weekday picks the layout: trying Go's three in turn comes to the same.
  if (s[3] === ',') return sc.imf();
  if (s[3] === ' ') return sc.asctime();
  return sc.rfc850();
}

class Scanner {
  private i = 0;
  private year = 0;
  private month = 0;
  private day = 0;
  private hour = 0;
  private min = 0;
  private sec = 0;
  private frac = 0;

  constructor(
    private readonly s: string,
    private readonly strict: boolean,
  ) {}

  /** "Sun, 06 Nov 1994 08:49:37 GMT" */
  imf(): number | undefined {
    if (!this.name(SHORT_DAYS) || !this.lit(',') || !this.space()) return undefined;
    if ((this.day = this.num2(true)) < 0 || !this.space()) return undefined;
    if (!this.monthName() || !this.space() || !this.year4() || !this.space()) return undefined;
    if (!this.clock() || !this.space() || !this.gmt()) return undefined;
    return this.end();
  }

  /** "Sunday, 06-Nov-94 08:49:37 GMT" */
  rfc850(): number | undefined {
    if (!this.name(LONG_DAYS) || !this.lit(',') || !this.space()) return undefined;
    if ((this.day = this.num2(true)) < 0 || !this.lit('-') || !this.monthName() || !this.lit('-')) return undefined;
    if ((this.year = this.num2(true)) < 0 || !this.space()) return undefined;
    this.year = this.strict ? rfc9110Century(this.year) : this.year >= 69 ? 1900 + this.year : 2000 + this.year;
    if (!this.clock() || !this.space()) return undefined;
    if (!(this.strict ? this.gmt() : this.zone())) return undefined;
    return this.end();
  }

  /** "Sun Nov  6 08:49:37 1994" */
  asctime(): number | undefined {
    if (!this.name(SHORT_DAYS) || !this.space() || !this.monthName() || !this.space()) return undefined;
    if (this.strict) {
      // ( 2DIGIT / ( SP DIGIT ) )
      if (this.s[this.i] === ' ') {
        this.i++;
        if (!isDigit(this.s, this.i)) return undefined;
        this.day = code(this.s, this.i++);
      } else if ((this.day = this.num2(true)) < 0) return undefined;
    } else if ((this.day = this.num2(false)) < 0) return undefined;
    if (!this.space() || !this.clock() || !this.space() || !this.year4()) return undefined;
    return this.end();
  }

  private end(): number | undefined {
    if (this.i !== this.s.length) return undefined;
    if (this.day < 1 || this.day > daysIn(this.month, this.year)) return undefined;
    return (daysFromCivil(this.year, this.month + 1, this.day) * 86400 + this.hour * 3600 + this.min * 60 + this.sec) * 1000 + this.frac;
  }

  /** "15:04:05", Go taking a one-digit hour and a trailing fraction of a second. */
  private clock(): boolean {
    if ((this.hour = this.num2(this.strict)) < 0 || this.hour > 23 || !this.lit(':')) return false;
    if ((this.min = this.num2(true)) < 0 || this.min > 59 || !this.lit(':')) return false;
    if ((this.sec = this.num2(true)) < 0 || this.sec > (this.strict ? 60 : 59)) return false;
    const s = this.s;
    if (!this.strict && (s[this.i] === '.' || s[this.i] === ',') && isDigit(s, this.i + 1)) {
      // Go keeps nanoseconds from the first nine digits and skips the rest.
      let j = this.i + 1;
      let ns = 0;
      let digits = 0;
      for (; isDigit(s, j); j++) {
        if (digits < 9) {
          ns = ns * 10 + code(s, j);
          digits++;
        }
      }
      this.frac = (ns * 10 ** (9 - digits)) / 1e6;
      this.i = j;
    }
    return true;
  }

  /** Go's getnum: two digits, or (not fixed) one; -1 when there are none. */
  private num2(fixed: boolean): number {
    const s = this.s;
    if (!isDigit(s, this.i)) return -1;
    if (!isDigit(s, this.i + 1)) return fixed ? -1 : code(s, this.i++);
    const v = code(s, this.i) * 10 + code(s, this.i + 1);
    this.i += 2;
    return v;
  }

  private year4(): boolean {
    const s = this.s;
    for (let k = 0; k < 4; k++) if (!isDigit(s, this.i + k)) return false;
    this.year = Number(s.slice(this.i, this.i + 4));
    this.i += 4;
    return true;
  }

  private monthName(): boolean {
    const m = this.lookup(MONTHS);
    if (m < 0) return false;
    this.month = m;
    return true;
  }

  private name(table: readonly string[]): boolean {
    return this.lookup(table) >= 0;
  }

  /** Go's lookup: the first entry the text starts with, ignoring ASCII case. */
  private lookup(table: readonly string[]): number {
    for (let k = 0; k < table.length; k++) {
      const v = table[k]!;
      if (foldedAt(this.s, this.i, v)) {
        this.i += v.length;
        return k;
      }
    }
    return -1;
  }

  private lit(c: string): boolean {
    if (this.s[this.i] !== c) return false;
    this.i++;
    return true;
  }

  /** A layout space: exactly one in RFC 9110, one or more in Go (its skip/cutspace). */
  private space(): boolean {
    if (this.s[this.i] !== ' ') return false;
    this.i++;
    if (!this.strict) while (this.s[this.i] === ' ') this.i++;
    return true;
  }

  private gmt(): boolean {
    if (this.strict ? !foldedAt(this.s, this.i, 'gmt') : !this.s.startsWith('GMT', this.i)) return false;
    this.i += 3;
    return true;
  }

  /**
   * Go's stdTZ: "UTC", GMT with an optional ±hours, ChST/MeST, ±hh, or 3-5
   * capitals (4-5 ending in T, or WITA). The instant is the wall clock read
   * as UTC: Go fabricates a zone for a name the local zone does not know
   * and leaves the instant as parsed.
   */
  private zone(): boolean {
    const s = this.s;
    const rest = s.slice(this.i);
    if (rest.startsWith('UTC') || rest.startsWith('ChST') || rest.startsWith('MeST')) {
      this.i += rest[0] === 'U' ? 3 : 4;
      return true;
    }
    if (rest.startsWith('GMT')) {
      this.i += 3 + signedOffset(rest.slice(3));
      return true;
    }
    if (rest[0] === '+' || rest[0] === '-') {
      const n = signedOffset(rest);
      this.i += n;
      return n > 0;
    }
    let upper = 0;
    while (upper < 6 && upper < rest.length && rest[upper]! >= 'A' && rest[upper]! <= 'Z') upper++;
    const ok = upper === 3 || (upper === 4 && (rest[3] === 'T' || rest.startsWith('WITA'))) || (upper === 5 && rest[4] === 'T');
    if (ok) this.i += upper;
    return ok;
  }
}

/** Go's parseSignedOffset: the length of "+h"/"-hh" (at most 23), 0 when there is none. */
function signedOffset(v: string): number {
  if (v[0] !== '+' && v[0] !== '-') return 0;
  let j = 1;
  let x = 0;
  while (isDigit(v, j) && x <= 23) x = x * 10 + code(v, j++);
  if (j === 1 || x > 23) return 0;
  return j;
}

/** RFC 9110: a two-digit year more than 50 years in the future is in the past century. */
function rfc9110Century(yy: number): number {
  const y = 2000 + yy;
  return y > new Date().getUTCFullYear() + 50 ? y - 100 : y;
}

/** Whether `s` has `lower` (lower-case ASCII) at `i`, ignoring ASCII case only, as Go's match. */
function foldedAt(s: string, i: number, lower: string): boolean {
  if (i + lower.length > s.length) return false;
  for (let k = 0; k < lower.length; k++) {
    const c = s.charCodeAt(i + k);
    const l = lower.charCodeAt(k);
    if (c !== l && !(l >= 97 && l <= 122 && c === l - 32)) return false;
  }
  return true;
}

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

function code(s: string, i: number): number {
  return s.charCodeAt(i) - 48;
}

function daysIn(month: number, year: number): number {
  if (month === 1) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month]!;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm): no Date, whose years 0-99 mean 19xx. */
function daysFromCivil(y: number, m: number, d: number): number {
  if (m <= 2) y--;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
