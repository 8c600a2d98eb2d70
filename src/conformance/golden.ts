/**
 * Caddy's Caddyfile→JSON golden files (caddytest/integration/caddyfile_adapt):
 * splitting them the way Caddy's own runner does (caddyfile_adapt_test.go),
 * running one through an adapter, and explaining a mismatch in one line.
 *
 * Caddy's runner compares indented text, so key order matters there; here
 * the comparison is structural (key order ignored, arrays in order), which is
 * what "the same config" means to a user.
 */

export type Expectation =
  | { kind: 'json'; value: unknown }
  | { kind: 'error'; substring: string };

export interface GoldenCase {
  name: string;
  /** The Caddyfile, trimmed and ending in one newline (as Caddy's runner feeds it). */
  caddyfile: string;
  expected: Expectation;
}

export const SEPARATOR = '----------';

/**
 * Splits a golden file: the Caddyfile before the first line of ten dashes,
 * then the expected output — JSON when it starts with `{`, otherwise a
 * substring the adapter's error message must contain.
 */
export function splitGolden(name: string, text: string): GoldenCase {
  const parts = text.split(SEPARATOR);
  if (parts.length < 2) throw new Error(`no "${SEPARATOR}" line separating the Caddyfile from the expected output`);
  const caddyfile = `${parts[0]!.trim()}\n`;
  // Caddy's runner also rewrites "./Caddyfile" to the OS's path form; on POSIX that is a no-op.
  const expected = parts[1]!.trim().replace(/\r?\n/g, '\n');
  if (expected.startsWith('{')) {
    try {
      return { name, caddyfile, expected: { kind: 'json', value: JSON.parse(expected) } };
    } catch (err) {
      throw new Error(`expected output is not valid JSON: ${(err as Error).message}`);
    }
  }
  return { name, caddyfile, expected: { kind: 'error', substring: expected } };
}

export interface Difference {
  path: string;
  /** Absent when the actual value has a key the expected one does not. */
  expected?: unknown;
  /** Absent when the actual value lacks a key. */
  actual?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/** The first place, depth-first in the expected value's order, where two JSON values differ; null if equal. */
export function firstDifference(expected: unknown, actual: unknown, path = ''): Difference | null {
  if (typeOf(expected) !== typeOf(actual)) return { path, expected, actual };
  if (Array.isArray(expected)) {
    const act = actual as unknown[];
    const n = Math.min(expected.length, act.length);
    for (let i = 0; i < n; i++) {
      const d = firstDifference(expected[i], act[i], childPath(path, i));
      if (d) return d;
    }
    if (expected.length > act.length) return { path: childPath(path, n), expected: expected[n] };
    if (act.length > expected.length) return { path: childPath(path, n), actual: act[n] };
    return null;
  }
  if (isObject(expected)) {
    const act = actual as Record<string, unknown>;
    for (const key of Object.keys(expected)) {
      if (!Object.hasOwn(act, key)) return { path: childPath(path, key), expected: expected[key] };
      const d = firstDifference(expected[key], act[key], childPath(path, key));
      if (d) return d;
    }
    for (const key of Object.keys(act)) {
      if (!Object.hasOwn(expected, key)) return { path: childPath(path, key), actual: act[key] };
    }
    return null;
  }
  return Object.is(expected, actual) ? null : { path, expected, actual };
}

function brief(v: unknown, max = 80): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** One line: where the configs differ and how. */
export function describeDifference(d: Difference): string {
  const at = d.path || '(top level)';
  if (!('actual' in d)) return `${at}: missing, expected ${brief(d.expected)}`;
  if (!('expected' in d)) return `${at}: unexpected ${brief(d.actual)}`;
  return `${at}: expected ${brief(d.expected)}, got ${brief(d.actual)}`;
}

export type Adapter = (caddyfile: string) => { config: unknown };

export interface GoldenResult {
  name: string;
  pass: boolean;
  /** Why it failed, on one line. */
  reason?: string;
}

/** One line of at most `max` characters. */
function oneLine(s: string, max = 200): string {
  const flat = s.replace(/\s*\n\s*/g, ' | ');
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** Runs one golden case; never throws (an adapter crash is a failure with its message). */
export function runGolden(c: GoldenCase, adapt: Adapter): GoldenResult {
  let config: unknown;
  let error: unknown;
  try {
    // A round trip through JSON drops undefined fields, as Go's omitempty would.
    config = JSON.parse(JSON.stringify(adapt(c.caddyfile).config));
  } catch (err) {
    error = err;
  }
  const message = error === undefined ? '' : error instanceof Error ? error.message : String(error);
  const crash = error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError;

  if (c.expected.kind === 'error') {
    if (error === undefined) return { name: c.name, pass: false, reason: `expected an error containing ${JSON.stringify(oneLine(c.expected.substring, 80))}, but it adapted` };
    const normalized = message.replace(/\r?\n/g, '\n');
    if (normalized.includes(c.expected.substring)) return { name: c.name, pass: true };
    return {
      name: c.name,
      pass: false,
      reason: oneLine(`expected an error containing ${JSON.stringify(c.expected.substring)}, got ${crash ? `${(error as Error).name}: ` : ''}${JSON.stringify(message)}`),
    };
  }
  if (error !== undefined) return { name: c.name, pass: false, reason: oneLine(`${crash ? `${(error as Error).name}` : 'error'}: ${message}`) };
  const d = firstDifference(c.expected.value, config);
  return d ? { name: c.name, pass: false, reason: oneLine(describeDifference(d), 300) } : { name: c.name, pass: true };
}
