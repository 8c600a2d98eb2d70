// The engine's log lines through the CLI's stderr logger (`run` and its request workers).
import type { EngineLog } from '../core/log.js';
import type { CliLogger, Fields } from './log.js';

/**
 * The engine's structured fields, printed as Caddy prints them (arrays and
 * objects as JSON). Debug lines only with the `debug` global option, as in
 * Caddy, whose default log level is INFO.
 */
export function engineLog(log: CliLogger, debug: () => boolean): EngineLog {
  return (level, logger, msg, fields) => {
    if (level === 'debug' && !debug()) return;
    log.log(level, logger, msg, fields as Fields | undefined);
  };
}

/** Whether the config turns on debug logging (the Caddyfile's `debug` option). */
export function wantsDebug(config: unknown): boolean {
  const level = (config as { logging?: { logs?: { default?: { level?: unknown } } } } | null)?.logging?.logs?.default?.level;
  return typeof level === 'string' && level.toUpperCase() === 'DEBUG';
}

