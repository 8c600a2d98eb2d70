/**
 * The few log lines the config commands write to stderr, shaped like Caddy's
 * default logger so scripts and eyes that know Caddy's output read ours:
 * JSON lines when stderr is not a terminal, zap's console layout on a TTY.
 */

export type Level = 'debug' | 'info' | 'warn' | 'error';

export type Fields = Record<string, string | number | boolean | undefined>;

export interface CliLogger {
  log(level: Level, logger: string, msg: string, fields?: Fields): void;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** zap's console time layout as Caddy configures it: 2006/01/02 15:04:05.000 */
function consoleTime(d: Date): string {
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatLogLine(format: 'json' | 'console', now: Date, level: Level, logger: string, msg: string, fields: Fields = {}): string {
  const defined = Object.entries(fields).filter(([, v]) => v !== undefined);
  if (format === 'json') {
    const entry: Record<string, unknown> = { level, ts: now.getTime() / 1000 };
    if (logger) entry.logger = logger;
    entry.msg = msg;
    for (const [k, v] of defined) entry[k] = v;
    return `${JSON.stringify(entry)}\n`;
  }
  const parts = [consoleTime(now), level.toUpperCase()];
  if (logger) parts.push(logger);
  parts.push(msg);
  if (defined.length) parts.push(`{${defined.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`);
  return `${parts.join('\t')}\n`;
}

export function stderrLogger(write: (text: string) => void, isTTY: boolean): CliLogger {
  return {
    log(level, logger, msg, fields) {
      write(formatLogLine(isTTY ? 'console' : 'json', new Date(), level, logger, msg, fields));
    },
  };
}
