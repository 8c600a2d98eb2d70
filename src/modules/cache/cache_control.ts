/**
 * Cache-Control (RFC 9111 §5.2) as a map of lower-cased directive names to
 * their argument (quotes removed) or true. Every line and list member
 * counts; a repeated directive keeps its first value, as §4.2.1 asks.
 */
import type { HeaderValue } from '../../core/response.js';

export type Directives = ReadonlyMap<string, string | true>;

const EMPTY: Directives = new Map();

export function parseCacheControl(v: HeaderValue | undefined): Directives {
  if (v === undefined || v === '') return EMPTY;
  const text = Array.isArray(v) ? v.join(',') : String(v);
  const out = new Map<string, string | true>();
  let i = 0;
  while (i < text.length) {
    let j = i;
    while (j < text.length && text[j] !== ',' && text[j] !== '=') j++;
    const name = text.slice(i, j).trim().toLowerCase();
    let value: string | true = true;
    if (text[j] === '=') {
      j++;
      while (text[j] === ' ') j++;
      if (text[j] === '"') {
        const end = text.indexOf('"', j + 1);
        value = text.slice(j + 1, end < 0 ? text.length : end);
        j = end < 0 ? text.length : end + 1;
        while (j < text.length && text[j] !== ',') j++;
      } else {
        const end = text.indexOf(',', j);
        value = text.slice(j, end < 0 ? text.length : end).trim();
        j = end < 0 ? text.length : end;
      }
    }
    if (name !== '' && !out.has(name)) out.set(name, value);
    i = j + 1;
  }
  return out;
}

/**
 * A delta-seconds argument (§1.2.2) in milliseconds; undefined when absent
 * or not a number. An invalid one counts as 0 for max-age and s-maxage:
 * §4.2.1 says such a response is stale.
 */
export function seconds(d: Directives, name: string): number | undefined {
  const v = d.get(name);
  if (v === undefined) return undefined;
  if (v === true) return name === 'max-stale' ? Infinity : 0;
  if (!/^\d+$/.test(v)) return 0;
  return Math.min(Number(v), 2 ** 31) * 1000;
}

const SF_MEMBER = /^[a-z*][a-z0-9_\-.*]*(?:=(?:-?\d{1,15}(?:\.\d{1,3})?|"(?:[^"\\]|\\.)*"|[A-Za-z*][!#$%&'*+\-.^_`|~:/A-Za-z0-9]*|\?[01]))?$/;
const INTEGER_DIRECTIVES = new Set(['max-age', 's-maxage', 'stale-while-revalidate', 'stale-if-error']);

/**
 * A targeted field (RFC 9213, CDN-Cache-Control) is a Structured Field
 * dictionary; one that does not parse, or gives a delta-seconds directive
 * another type, is ignored as a whole (§2.1).
 */
export function validTargeted(v: HeaderValue | undefined): boolean {
  if (v === undefined) return false;
  const text = Array.isArray(v) ? v.join(',') : String(v);
  for (const raw of text.split(',')) {
    const m = raw.trim();
    if (!SF_MEMBER.test(m)) return false;
    const eq = m.indexOf('=');
    if (eq > 0 && INTEGER_DIRECTIVES.has(m.slice(0, eq)) && !/^\d+$/.test(m.slice(eq + 1))) return false;
  }
  return true;
}
