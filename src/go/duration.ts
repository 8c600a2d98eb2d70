/**
 * caddy.Duration as JSON carries it: an integer of nanoseconds, or a string
 * Caddy parses (`"10s"`, `"1d"`). The engine works in milliseconds.
 */
import { parseCaddyDuration } from './units.js';

export function durationMs(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  let ns: number;
  if (typeof value === 'number') ns = value;
  else if (typeof value === 'string') {
    try {
      ns = parseCaddyDuration(value);
    } catch (err) {
      throw new Error(`${field}: ${(err as Error).message}`);
    }
  } else throw new Error(`${field}: json: cannot unmarshal ${typeof value} into a duration`);
  if (!Number.isFinite(ns) || ns < 0) throw new Error(`${field}: invalid duration ${String(value)}`);
  return ns / 1e6;
}
