/**
 * `tsweb run`: Caddy's `caddy run` (cmd/commandfuncs.go cmdRun). Loads the
 * config (./Caddyfile by default), serves it in the foreground, and logs in
 * Caddy's style to stderr.
 *
 *   SIGUSR1            reload the config file
 *   --watch            reload when the config file changes (polled every second, as Caddy does)
 *   SIGINT / SIGTERM   graceful stop; a second one forces the exit
 *
 * Exit codes as Caddy's: 0 after a clean stop, 1 when the config cannot be
 * loaded at start, 2 on a forced quit, 3 when the stop itself failed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LoadError, Runtime } from '../runtime/runtime.js';
import type { EngineLog } from '../core/log.js';
import type { Command } from './command.js';
import { loadEnvFiles } from './envfile.js';
import { type FlagSpec, flagsHelp } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { adaptInput, checkAdapter, ConfigError, guessAdapter, readConfigFile, requireConfigFile, warningMessage } from './loadconfig.js';
import { type CliLogger, type Fields, stderrLogger } from './log.js';
import { serveUntilSignal } from './serve.js';
import { runFlagsVerb } from './verb.js';

const flags: FlagSpec[] = [
  { name: 'config', short: 'c', type: 'string', valueName: 'file', help: 'Configuration file (default ./Caddyfile)' },
  { name: 'adapter', short: 'a', type: 'string', valueName: 'name', help: 'Name of config adapter to apply (default: caddyfile for Caddyfile* and *.caddyfile, else JSON)' },
  { name: 'envfile', type: 'list', valueName: 'file', help: 'Environment file(s) to load (repeatable)' },
  { name: 'watch', short: 'w', type: 'bool', help: 'Reload changed config file automatically' },
  { name: 'pidfile', type: 'string', valueName: 'file', help: 'Path of file to which to write process ID' },
];

const usage = `Starts the tsweb process, optionally bootstrapped with an initial config
file, and blocks indefinitely until the server is stopped; i.e. runs tsweb
in "daemon" mode (foreground).

Without --config, ./Caddyfile is used. Without --adapter, a file named
Caddyfile* or *.caddyfile is read as a Caddyfile and anything else as JSON.

SIGUSR1 reloads the config file; with --watch, a change to the file does too.
SIGINT or SIGTERM stops the server gracefully: it stops accepting, lets
requests in flight finish within the http app's grace_period, then exits.

Usage:
  tsweb run [--config <path>] [--adapter <name>] [--envfile <path>] [--watch] [--pidfile <file>]

Flags:
${flagsHelp(flags)}
`;

/**
 * The engine's structured fields, printed as Caddy prints them (arrays and
 * objects as JSON). Debug lines only with the `debug` global option, as in
 * Caddy, whose default log level is INFO.
 */
function engineLog(log: CliLogger, debug: () => boolean): EngineLog {
  return (level, logger, msg, fields) => {
    if (level === 'debug' && !debug()) return;
    log.log(level, logger, msg, fields as Fields | undefined);
  };
}

/** Whether the config turns on debug logging (the Caddyfile's `debug` option). */
function wantsDebug(config: unknown): boolean {
  const level = (config as { logging?: { logs?: { default?: { level?: unknown } } } } | null)?.logging?.logs?.default?.level;
  return typeof level === 'string' && level.toUpperCase() === 'DEBUG';
}

interface Source {
  file: string;
  adapter: string;
  env: Record<string, string | undefined>;
}

/** Reads and adapts the config file: the JSON and the text it came from (to spot unchanged files). */
async function readConfig(io: CliIO, log: CliLogger, src: Source): Promise<{ config: unknown; text: string }> {
  const text = await readConfigFile(io, src.file, 'reading config from file');
  try {
    const adapted = adaptInput(text, src.file, src.adapter, src.env);
    if (src.adapter !== '' && src.adapter !== 'json') {
      log.log('info', '', 'adapted config to JSON', { adapter: src.adapter });
      for (const w of adapted.warnings) log.log('warn', '', warningMessage(w), { adapter: src.adapter, file: w.file ?? src.file, line: w.line ?? 0 });
    }
    return { config: adapted.config, text };
  } catch (err) {
    if (err instanceof ConfigError && src.adapter === 'caddyfile') throw new ConfigError(`adapting config using ${src.adapter}: ${err.message}`);
    throw err;
  }
}

export async function runRun(args: string[], io: CliIO): Promise<number> {
  return runFlagsVerb(io, usage, args, flags, async (opts) => {
    const log = stderrLogger(io.stderr, io.stderrIsTTY);
    const env = loadEnvFiles(opts.lists.get('envfile')!, io.env, io.cwd);
    // Like `caddy run --envfile`: the file's variables join the process
    // environment ({env.*} at run time), without overriding what is set.
    for (const [k, v] of Object.entries(env)) if (v !== undefined && io.env[k] === undefined) io.env[k] = v;
    const file = requireConfigFile(io, log, opts.strings.get('config')!);
    const adapter = guessAdapter(file, opts.strings.get('adapter')!);
    if (adapter !== '' && adapter !== 'json') checkAdapter(adapter);
    const src: Source = { file, adapter, env };
    const configFiles = file === '-' ? [] : [resolve(io.cwd, file)];

    log.log('info', '', file === '-' ? 'using config from stdin' : 'using config from file', file === '-' ? {} : { file });
    let { config, text: lastText } = await readConfig(io, log, src);

    let debug = wantsDebug(config);
    const runtime = new Runtime({ log: engineLog(log, () => debug), env });
    try {
      await runtime.load(config, { configFiles });
    } catch (err) {
      if (err instanceof LoadError) throw new ConfigError(`loading initial config: ${err.message}`);
      throw err;
    }
    const pidfile = opts.strings.get('pidfile')!;
    if (pidfile !== '') writeFileSync(resolve(io.cwd, pidfile), `${process.pid}\n`);
    log.log('info', '', 'serving initial configuration');

    // One reload at a time; a reload asked for while one runs happens after it.
    let reloading: Promise<void> = Promise.resolve();
    const reload = (why: string, fields: Fields = {}): Promise<void> => {
      reloading = reloading.then(async () => {
        try {
          log.log('info', '', why, fields);
          const next = await readConfig(io, log, src);
          if (next.text === lastText && JSON.stringify(next.config) === JSON.stringify(config)) {
            log.log('info', '', 'config is unchanged');
            return;
          }
          await runtime.load(next.config, { configFiles });
          config = next.config;
          lastText = next.text;
          debug = wantsDebug(config);
          log.log('info', '', 'load complete');
        } catch (err) {
          // The running config keeps serving; say why the new one was refused.
          log.log('error', '', 'reloading config failed; the previous config keeps running', { error: err instanceof Error ? err.message : String(err) });
        }
      });
      return reloading;
    };

    let watcher: NodeJS.Timeout | undefined;
    if (opts.bools.get('watch') && file !== '-') {
      const path = resolve(io.cwd, file);
      log.log('info', '', 'watching config file for changes', { config_file: path });
      let lastSeen = lastText;
      watcher = setInterval(() => {
        let now: string;
        try {
          now = readFileSync(path, 'utf8');
        } catch {
          return; // mid-save or briefly missing: look again next second
        }
        if (now === lastSeen) return;
        lastSeen = now;
        void reload('config file changed; reloading', { config_file: path });
      }, 1000);
    }

    return serveUntilSignal(runtime, log, {
      onReload: () => {
        if (file === '-') {
          log.log('warn', '', 'not reloading: the config came from stdin');
          return;
        }
        void reload('received SIGUSR1; reloading config', { signal: 'SIGUSR1', config_file: file });
      },
      beforeStop: () => {
        if (watcher !== undefined) clearInterval(watcher);
      },
    });
  });
}

export const command: Command = {
  name: 'run',
  summary: 'Starts the tsweb process and blocks indefinitely',
  usage,
  run: (args) => runRun(args, processIO()),
};
