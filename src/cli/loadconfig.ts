/**
 * Finding, reading and adapting the config file for the config verbs
 * (adapt, validate, and later run/reload), following Caddy's cmd package:
 * `./Caddyfile` when no --config is given, the adapter guessed from the file
 * name when none is given, Caddy's error wording.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { adaptCaddyfile } from '../adapt/index.js';
import { decodeAdminConfig } from '../admin/controller.js';
import type { JSONObject, Warning } from '../adapt/types.js';
import { CaddyfileError } from '../caddyfile/errors.js';
import { ConfigValidationError, validateConfig } from '../runtime/validate.js';
import { describeFsError } from './envfile.js';
import { ConfigError } from './errors.js';
import { UsageError } from './flags.js';
import type { CliIO } from './io.js';
import type { CliLogger } from './log.js';

export { ConfigError };

export const adapters = ['caddyfile', 'json'] as const;

export interface AdaptedConfig {
  config: JSONObject;
  warnings: Warning[];
  /** The file as named on the command line (or `Caddyfile`), `-` for stdin. */
  file: string;
  adapter: string;
}

/**
 * The config file to use: the flag's, else an adjacent `Caddyfile` (logged as
 * Caddy does), else '' (the caller decides whether that is an error).
 */
export function configFileWithDefault(io: CliIO, log: CliLogger, file: string): string {
  if (file !== '') return file;
  if (existsSync(resolve(io.cwd, 'Caddyfile'))) {
    log.log('info', '', 'using adjacent Caddyfile');
    return 'Caddyfile';
  }
  return '';
}

/** configFileWithDefault, with Caddy's error when there is neither a --config nor a ./Caddyfile. */
export function requireConfigFile(io: CliIO, log: CliLogger, file: string): string {
  const found = configFileWithDefault(io, log, file);
  if (found === '') throw new ConfigError('input file required when there is no Caddyfile in current directory (use --config flag)');
  return found;
}

/**
 * Caddy's isCaddyfile: with no adapter named, a file called `Caddyfile*` or
 * `*.caddyfile` (any case, not `.json`) is a Caddyfile.
 */
export function guessAdapter(file: string, adapter: string): string {
  if (adapter !== '') return adapter;
  const base = basename(file).toLowerCase();
  if (extname(base) === '.json') return '';
  return base.startsWith('caddyfile') || base.endsWith('.caddyfile') ? 'caddyfile' : '';
}

export function checkAdapter(adapter: string): void {
  if (!(adapters as readonly string[]).includes(adapter)) {
    throw new UsageError(`unrecognized config adapter: ${adapter} (known adapters: ${adapters.join(', ')})`);
  }
}

export async function readConfigFile(io: CliIO, file: string, what: string): Promise<string> {
  if (file === '-') return io.readStdin();
  try {
    return readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (err) {
    throw new ConfigError(`${what}: ${describeFsError('open', file, err)}`);
  }
}

/** Human-readable text of an adapter error: position, import chain and the offending line. */
export function describeAdaptError(err: unknown): string {
  if (err instanceof CaddyfileError) return err.pretty();
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Adapts `input` with the named adapter ('' = already JSON). Adapter errors
 * become ConfigErrors; anything else (a bug) propagates with its stack.
 */
export function adaptInput(input: string, file: string, adapter: string, env: Record<string, string | undefined>): { config: JSONObject; warnings: Warning[] } {
  if (adapter === 'caddyfile') {
    try {
      const { config, warnings } = adaptCaddyfile(input, file, { env });
      return { config, warnings };
    } catch (err) {
      // Errors the language raises on its own are bugs, not config problems: keep their stack.
      const isBug = err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError;
      if (isBug || !(err instanceof Error)) throw err;
      throw new ConfigError(describeAdaptError(err));
    }
  }
  let config: unknown;
  try {
    config = input.trim() === '' ? {} : JSON.parse(input);
  } catch (err) {
    throw new ConfigError(`config is not valid JSON: ${(err as Error).message}; did you mean to use a config adapter (the --adapter flag)?`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ConfigError('config is not valid JSON: the top level must be an object');
  }
  return { config: config as JSONObject, warnings: [] };
}

/**
 * Checks a config as `run` would load it (every app provisioned, nothing
 * started); a problem becomes a ConfigError, its message after `prefix`.
 */
export function validateOrFail(config: JSONObject, prefix = '', env?: NodeJS.ProcessEnv): void {
  try {
    validateConfig(config, { env });
    // The admin endpoint is the CLI's part of a config (src/admin, above the runtime): `run` refuses what this refuses.
    if (config.admin !== undefined) decodeAdminConfig(config.admin);
  } catch (err) {
    if (err instanceof ConfigValidationError) throw new ConfigError(`${prefix}${err.message}`);
    if (err instanceof Error && err.name === 'DecodeError') throw new ConfigError(`${prefix}${err.message}`);
    if (err instanceof Error && err.message.startsWith('admin.')) throw new ConfigError(`${prefix}${err.message}`);
    throw err;
  }
}

/** `directive: message` as Caddy words an adapter warning. */
export function warningMessage(w: Warning): string {
  return w.directive ? `${w.directive}: ${w.message}` : w.message;
}

/**
 * The config as Caddy's CLI prints it: Go's encoding/json escapes <, > and &
 * (and U+2028/9) in strings; indentation, when asked for, is one tab per level.
 */
export function configJSON(config: unknown, pretty: boolean): string {
  const text = pretty ? JSON.stringify(config, null, '\t') : JSON.stringify(config);
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
