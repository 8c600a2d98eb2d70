/**
 * Caddy's caddyhttp.ResponseMatcher (responsematchers.go), which `headers`
 * (`require`) and `encode` (`match`) use to decide on the response head:
 *
 * - status_code: any of the codes; a code below 100 is a class (5 = 5xx);
 * - headers: every field must match (matchHeaders without placeholders):
 *   null = the field must be absent (the Caddyfile's `?Field`), [] = it
 *   must exist, otherwise any value matches any pattern, where `*` is
 *   anything and a leading/trailing `*` is a suffix/prefix/substring test.
 */
import type { ResponseWriter } from './response.js';

/** The head a matcher reads: the response being written, or an upstream's (reverse_proxy's handle_response). */
export type ResponseHead = Pick<ResponseWriter, 'getHeader' | 'hasHeader'>;

export type ResponseMatcher = (status: number, res: ResponseHead) => boolean;

/** The response's values of a field, one per Go header value. */
export function responseValues(res: ResponseHead, name: string): string[] | undefined {
  const v = res.getHeader(name);
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

type ValueTest = (v: string) => boolean;

function valueTest(pattern: string): ValueTest {
  if (pattern === '*') return () => true;
  const lead = pattern.startsWith('*');
  const trail = pattern.endsWith('*');
  if (lead && trail) {
    const mid = pattern.slice(1, -1);
    return (v) => v.includes(mid);
  }
  if (lead) {
    const suffix = pattern.slice(1);
    return (v) => v.endsWith(suffix);
  }
  if (trail) {
    const prefix = pattern.slice(0, -1);
    return (v) => v.startsWith(prefix);
  }
  return (v) => v === pattern;
}

type FieldTest = (res: ResponseHead) => boolean;

function fieldTest(field: string, allowed: unknown): FieldTest {
  const name = field.toLowerCase();
  if (allowed === null) return (res) => !res.hasHeader(name);
  if (!Array.isArray(allowed) || allowed.some((v) => typeof v !== 'string')) {
    throw new Error(`headers: ${field}: must be null or a list of strings`);
  }
  if (allowed.length === 0) return (res) => res.hasHeader(name);
  const tests = (allowed as string[]).map(valueTest);
  return (res) => {
    const values = responseValues(res, name);
    if (values === undefined) return false;
    for (const v of values) for (const t of tests) if (t(v)) return true;
    return false;
  };
}

/** Caddy's StatusCodeMatches. */
export function statusMatches(actual: number, configured: number): boolean {
  if (actual === configured) return true;
  return configured < 100 && actual >= configured * 100 && actual < (configured + 1) * 100;
}

/** Compiles a ResponseMatcher's JSON; `undefined`/`null` config matches everything. */
export function compileResponseMatcher(config: unknown, where = 'response matcher'): ResponseMatcher {
  if (config === undefined || config === null) return () => true;
  if (typeof config !== 'object' || Array.isArray(config)) throw new Error(`${where}: must be an object`);
  const { status_code: codes, headers } = config as { status_code?: unknown; headers?: unknown };
  let statusTest: ((s: number) => boolean) | null = null;
  if (codes !== undefined && codes !== null) {
    if (!Array.isArray(codes) || codes.some((c) => typeof c !== 'number' || !Number.isInteger(c))) {
      throw new Error(`${where}: status_code must be a list of integers`);
    }
    const list = codes as number[];
    statusTest = (s) => list.some((c) => statusMatches(s, c));
  }
  const fields: FieldTest[] = [];
  if (headers !== undefined && headers !== null) {
    if (typeof headers !== 'object' || Array.isArray(headers)) throw new Error(`${where}: headers must be an object`);
    for (const [field, allowed] of Object.entries(headers)) fields.push(fieldTest(field, allowed));
  }
  return (status, res) => {
    if (statusTest !== null && !statusTest(status)) return false;
    for (const f of fields) if (!f(res)) return false;
    return true;
  };
}
