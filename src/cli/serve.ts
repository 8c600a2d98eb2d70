import { LoadError, type Runtime } from '../runtime/runtime.js';
import { ConfigError } from './errors.js';
import type { CliLogger } from './log.js';

/** The one-shot verbs' first load: a refused config exits as a config error (1), like `run`'s. */
export async function loadOrConfigError(runtime: Runtime, config: unknown): Promise<void> {
  try {
    await runtime.load(config);
  } catch (err) {
    if (err instanceof LoadError) throw new ConfigError(err.message);
    throw err;
  }
}

export interface ServeHooks {
  /** SIGUSR1: reload (only `tsweb run` has a config file to reload). */
  onReload?: () => void;
  /** Called once when a stop begins (e.g. stop watching the config file). */
  beforeStop?: () => void;
  /**
   * Receives a function that stops the server as a first signal would (the
   * admin API's POST /stop); it resolves once the apps have stopped.
   */
  bindStop?: (stop: () => Promise<void>) => void;
}

/**
 * Serves until SIGINT/SIGTERM, as caddy.TrapSignals does: the first signal
 * stops gracefully (exit 0, or 3 if the stop failed), a second one forces
 * the exit (2). Shared by `tsweb run` and `tsweb file-server`.
 */
export function serveUntilSignal(runtime: Runtime, log: CliLogger, hooks: ServeHooks = {}): Promise<number> {
  return new Promise<number>((done) => {
    let stopping = false;
    // A bug in one request's code must not take every site down: Caddy
    // recovers panics per request and keeps serving; this is the closest
    // Node has. The error is logged with its stack.
    const onUncaught = (err: unknown) => {
      log.log('error', 'http', 'uncaught error; still serving', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    };
    const onReload = () => hooks.onReload?.();
    const finish = (code: number) => {
      process.off('SIGUSR1', onReload);
      process.off('SIGINT', onStop);
      process.off('SIGTERM', onStop);
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
      // Should anything still hold the event loop open, do not hang on the way out.
      setTimeout(() => process.exit(code), 2000).unref();
      done(code);
    };
    let stopped: Promise<void> | undefined;
    const stop = (fields: { signal?: NodeJS.Signals }): Promise<void> => {
      if (stopped !== undefined) return stopped;
      stopping = true;
      hooks.beforeStop?.();
      stopped = runtime.stop().then(
        () => {
          log.log('info', '', 'shutdown complete', { ...fields, exit_code: 0 });
          finish(0);
        },
        (err) => {
          log.log('error', '', 'stopping config', { error: err instanceof Error ? err.message : String(err) });
          finish(3);
        },
      );
      return stopped;
    };
    const onStop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.log('warn', '', 'force quit', { signal });
        process.exit(2);
      }
      log.log('info', '', 'shutting down apps, then terminating', { signal });
      void stop({ signal });
    };
    hooks.bindStop?.(() => stop({}));
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    if (hooks.onReload) process.on('SIGUSR1', onReload);
    process.on('SIGINT', onStop);
    process.on('SIGTERM', onStop);
  });
}
