/**
 * zap's levels as Caddy names them in config ("DEBUG" … "FATAL", any case)
 * and as log lines print them ("info", "ERROR").
 */
export type Level = 'debug' | 'info' | 'warn' | 'error' | 'dpanic' | 'panic' | 'fatal';

export const levelRank: Record<Level, number> = { debug: -1, info: 0, warn: 1, error: 2, dpanic: 3, panic: 4, fatal: 5 };

/** A `level` from config; '' means INFO, Caddy's default. */
export function parseLevel(v: unknown, field = 'level'): Level {
  if (v === undefined || v === null || v === '') return 'info';
  if (typeof v !== 'string') throw new Error(`${field}: must be a string`);
  const l = v.toLowerCase();
  if (l === 'warning') return 'warn';
  if (l in levelRank) return l as Level;
  throw new Error(`${field}: unrecognized log level '${v}'`);
}
