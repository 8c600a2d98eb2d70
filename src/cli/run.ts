/**
 * `tsweb run`: Caddy's `caddy run` (cmd/commandfuncs.go cmdRun). Loads the
 * config (./Caddyfile by default; none at all starts empty, with the admin
 * API only), serves it in the foreground, and logs in Caddy's style to stderr.
 *
 *   admin API          on localhost:2019 unless the config's `admin` says otherwise (TSWEB_ADMIN sets the default)
 *   SIGUSR1            reload the config file
 *   --watch            reload when the config file changes (polled every second, as Caddy does)
 *   --resume           run the last config loaded (autosaved) instead
 *   --pingback         tell `tsweb start` the server is up
 *   SIGINT / SIGTERM   graceful stop; a second one forces the exit; POST /stop does the same
 *
 * Exit codes as Caddy's: 0 after a clean stop, 1 when the config cannot be
 * loaded at start, 2 on a forced quit, 3 when the stop itself failed.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { autosavePath } from '../admin/autosave.js';
import { ConfigManager } from '../admin/config_manager.js';
import { AdminController } from '../admin/controller.js';
import type { ConfigAdapter } from '../admin/server.js';
import { LoadError, Runtime } from '../runtime/runtime.js';
import { Supervisor, workersOf } from '../runtime/supervisor.js';
import { ConfigValidationError } from '../runtime/validate.js';
import { requestWorkerDesign, workerEntry } from './workers.js';
import { engineLog, wantsDebug } from './engine_log.js';
import type { JSONObject } from '../core/registry.js';
import type { Command } from './command.js';
import { applyEnvFiles, environText } from './environ.js';
import { describeFsError } from './envfile.js';
import { type FlagSpec, flagsHelp } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { adaptInput, checkAdapter, ConfigError, configFileWithDefault, guessAdapter, readConfigFile, warningMessage } from './loadconfig.js';
import { type CliLogger, type Fields, stderrLogger } from './log.js';
import { serveUntilSignal } from './serve.js';
import { runFlagsVerb } from './verb.js';

const flags: FlagSpec[] = [
  { name: 'config', short: 'c', type: 'string', valueName: 'file', help: 'Configuration file (default ./Caddyfile)' },
  { name: 'adapter', short: 'a', type: 'string', valueName: 'name', help: 'Name of config adapter to apply (default: caddyfile for Caddyfile* and *.caddyfile, else JSON)' },
  { name: 'envfile', type: 'list', valueName: 'file', help: 'Environment file(s) to load (repeatable)' },
  { name: 'environ', short: 'e', type: 'bool', help: 'Print environment' },
  { name: 'resume', short: 'r', type: 'bool', help: 'Use saved config, if any (and prefer over --config file)' },
  { name: 'watch', short: 'w', type: 'bool', help: 'Reload changed config file automatically' },
  { name: 'pidfile', type: 'string', valueName: 'file', help: 'Path of file to which to write process ID' },
  { name: 'pingback', type: 'string', valueName: 'addr', help: 'Echo confirmation bytes to this address on success' },
];

const usage = `Starts the tsweb process, optionally bootstrapped with an initial config
file, and blocks indefinitely until the server is stopped; i.e. runs tsweb
in "daemon" mode (foreground).

Without --config, ./Caddyfile is used if there is one; with neither, tsweb
starts with an empty config and its admin API (localhost:2019, or
TSWEB_ADMIN), ready to be given a config. Without --adapter, a file named
Caddyfile* or *.caddyfile is read as a Caddyfile and anything else as JSON.

Every config loaded (at start, on reload, through the admin API) is saved to
$XDG_CONFIG_HOME/tsweb/autosave.json unless admin.config.persist is false
(persist_config off); --resume runs that saved config instead of --config.

If --environ is specified, the environment as seen by the tsweb process is
printed before starting (the same as the environ command).

SIGUSR1 reloads the config file; with --watch, a change to the file does too.
SIGINT or SIGTERM (or POST /stop on the admin API) stops the server
gracefully: it stops accepting, lets requests in flight finish within the
http app's grace_period, then exits.

Usage:
  tsweb run [--config <path> [--adapter <name>]] [--envfile <path>] [--environ] [--resume] [--watch] [--pidfile <file>]

Flags:
${flagsHelp(flags)}
`;

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

/** The last config loaded, for --resume; null when there is none (not an error, as in Caddy). */
function readAutosave(log: CliLogger, file: string, configFlag: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      log.log('info', '', 'no autosave file exists', { autosave_file: file });
      return undefined;
    }
    throw new ConfigError(describeFsError('open', file, err));
  }
  if (configFlag === '') log.log('info', '', 'resuming from last configuration', { autosave_file: file });
  else log.log('warn', '', '--config and --resume flags were used together; ignoring --config and resuming from last configuration', { autosave_file: file });
  return adaptInput(text, file, '', {}).config;
}

/** --pingback: echo stdin's confirmation bytes (raw, not text) to the address `tsweb start` listens on. */
async function pingback(address: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  const i = address.lastIndexOf(':');
  await new Promise<void>((res, rej) => {
    const sock = connect({ host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) }, () => sock.end(bytes, () => res()));
    sock.on('error', (err) => rej(new ConfigError(`dialing confirmation address: ${err.message}`)));
  });
}

/** The admin API's adapters (Content-Type text/caddyfile): the composition root hands them over. */
function adminAdapters(env: Record<string, string | undefined>): Map<string, ConfigAdapter> {
  return new Map<string, ConfigAdapter>([
    [
      'caddyfile',
      (body) => {
        const { config, warnings } = adaptInput(body, 'Caddyfile', 'caddyfile', env);
        return { config, warnings: warnings.map((w) => ({ file: w.file, line: w.line, directive: w.directive, message: w.message })) };
      },
    ],
  ]);
}

export async function runRun(args: string[], io: CliIO): Promise<number> {
  return runFlagsVerb(io, usage, args, flags, async (opts) => {
    const log = stderrLogger(io.stderr, io.stderrIsTTY);
    // Like `caddy run --envfile`: the file's variables join the process
    // environment ({env.*} at run time), without overriding what is set.
    const env = applyEnvFiles(opts.lists.get('envfile')!, io);
    if (opts.bools.get('environ')) io.stdout(environText(io.env, io.cwd));

    const configFlag = opts.strings.get('config')!;
    const adapterFlag = opts.strings.get('adapter')!;
    const autosave = autosavePath(io.env);
    let config: unknown = undefined;
    let src: Source | null = null;
    let lastText = '';
    if (opts.bools.get('resume')) config = readAutosave(log, autosave, configFlag);
    if (config === undefined) {
      if (adapterFlag !== '' && configFlag === '') throw new ConfigError('cannot adapt config without config file (use --config)');
      const file = configFileWithDefault(io, log, configFlag);
      if (file !== '') {
        const adapter = guessAdapter(file, adapterFlag);
        if (adapter !== '' && adapter !== 'json') checkAdapter(adapter);
        src = { file, adapter, env };
        log.log('info', '', file === '-' ? 'using config from stdin' : 'using config from file', file === '-' ? {} : { file });
        ({ config, text: lastText } = await readConfig(io, log, src));
      } else {
        config = null;
      }
    }
    const configFiles = src === null || src.file === '-' ? [] : [resolve(io.cwd, src.file)];

    // Written before the load, which may take a while (caddyserver/caddy#5477); removed on exit.
    const pidfile = opts.strings.get('pidfile')! === '' ? '' : resolve(io.cwd, opts.strings.get('pidfile')!);
    if (pidfile !== '') {
      try {
        writeFileSync(pidfile, `${process.pid}\n`, { mode: 0o600 });
      } catch (err) {
        log.log('error', '', 'unable to write PID file', { pidfile, error: (err as Error).message });
      }
    }

    let debug = wantsDebug(config);
    const elog = engineLog(log, () => debug);
    let stopServer: () => Promise<void> = async () => {};
    // The admin endpoint follows each config's `admin` through the Runtime's load hook.
    let admin: AdminController | null = null;
    // A supervisor runs the config manager and the admin API; request workers
    // serve (src/runtime/supervisor.ts). With `workers 1` the one worker is
    // in this thread, as tsweb without workers served, and a reload can change
    // the number either way. TSWEB_WORKERS_DESIGN makes even one worker a
    // thread (or process), to measure the designs.
    try {
      workersOf(config);
    } catch (err) {
      if (err instanceof ConfigValidationError) throw new ConfigError(`loading initial config: ${err.message}`);
      throw err;
    }
    const design = requestWorkerDesign(io.env);
    const onLoad = (c: JSONObject) => admin!.onLoad(c);
    const runtime: Runtime = new Supervisor({
      log: elog,
      env: io.env,
      onLoad,
      design: design.design,
      entry: () => workerEntry(design.design),
      inProcess: design.forced ? undefined : { env },
    });
    const manager = new ConfigManager(runtime, { log: elog, autosaveFile: autosave, loadOptions: () => ({ configFiles }) });
    admin = new AdminController({ manager, adapters: adminAdapters(env), stop: () => stopServer(), log: elog, env: io.env });
    try {
      await manager.load(config, true);
    } catch (err) {
      if (err instanceof LoadError) throw new ConfigError(`loading initial config: ${err.message}`);
      throw err;
    }
    log.log('info', '', 'serving initial configuration');
    const pingbackAddr = opts.strings.get('pingback')!;
    if (pingbackAddr !== '') await pingback(pingbackAddr);

    // One reload at a time; a reload asked for while one runs happens after it.
    let reloading: Promise<void> = Promise.resolve();
    const reload = (why: string, fields: Fields = {}): Promise<void> => {
      reloading = reloading.then(async () => {
        if (src === null) return;
        try {
          log.log('info', '', why, fields);
          const next = await readConfig(io, log, src);
          lastText = next.text;
          // An unchanged config is not reloaded ("config is unchanged"), as in Caddy.
          if ((await manager.load(next.config, false)) === 'unchanged') return;
          debug = wantsDebug(next.config);
          log.log('info', '', 'load complete');
        } catch (err) {
          // The running config keeps serving; say why the new one was refused.
          log.log('error', '', 'reloading config failed; the previous config keeps running', { error: err instanceof Error ? err.message : String(err) });
        }
      });
      return reloading;
    };

    let watcher: NodeJS.Timeout | undefined;
    if (opts.bools.get('watch') && src !== null && src.file !== '-') {
      const path = resolve(io.cwd, src.file);
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

    const code = await serveUntilSignal(runtime, log, {
      onReload: () => {
        if (src === null || src.file === '-') {
          log.log('warn', '', src === null ? 'not reloading: there is no config file' : 'not reloading: the config came from stdin');
          return;
        }
        void reload('received SIGUSR1; reloading config', { signal: 'SIGUSR1', config_file: src.file });
      },
      beforeStop: () => {
        if (watcher !== undefined) clearInterval(watcher);
      },
      bindStop: (stop) => {
        stopServer = stop;
      },
    });
    await admin.close();
    if (pidfile !== '') rmSync(pidfile, { force: true });
    return code;
  });
}

export const command: Command = {
  name: 'run',
  summary: 'Starts the tsweb process and blocks indefinitely',
  usage,
  run: (args) => runRun(args, processIO()),
};
