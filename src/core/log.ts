/**
 * The engine's log sink. The engine only says what happened; the caller
 * (the `run` command, a test) decides where lines go and how they look.
 * Field names follow Caddy's so that log queries written for Caddy work.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';

export type EngineLog = (level: Level, logger: string, msg: string, fields?: Record<string, unknown>) => void;

export const silentLog: EngineLog = () => {};
