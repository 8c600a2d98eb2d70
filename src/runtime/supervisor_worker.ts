/**
 * A request worker: a Runtime with listeners, driven by the supervisor
 * (supervisor.ts). It loads what it is sent, waits between provisioning and
 * starting for the supervisor's verdict (every worker switches or none does)
 * and stops when told. It never reads a config file or serves the admin API:
 * the supervisor owns those.
 */
import { listenMode } from '../apps/http/listeners.js';
import type { EngineLog } from '../core/log.js';
import { LoadError, Runtime } from './runtime.js';
import type { FromWorker, ToWorker } from './supervisor_messages.js';

export interface WorkerPort {
  send(msg: FromWorker): void;
  onMessage(fn: (msg: ToWorker) => void): void;
}

export interface WorkerOptions {
  id: number;
  /** thread: one listener per thread on each address (SO_REUSEPORT); process: node:cluster shares the primary's. */
  design: 'thread' | 'process';
  log: EngineLog;
  env: NodeJS.ProcessEnv;
  /** Sees each config before it loads (the CLI follows its `debug`). */
  onConfig?: (config: unknown) => void;
  /** Ends the worker once its config has stopped. */
  exit: () => void;
}

export function serveAsWorker(port: WorkerPort, opts: WorkerOptions): void {
  listenMode.reusePort = opts.design === 'thread';
  // A unix socket has one owner; see listenMode.
  listenMode.ownsUnixSockets = opts.id === 1;

  let verdict: { seq: number; resolve: () => void; reject: (err: Error) => void } | null = null;
  let loading: { seq: number; commit: boolean } | null = null;
  const runtime = new Runtime({
    log: opts.log,
    env: opts.env,
    beforeStart: () => {
      const l = loading!;
      if (l.commit) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        verdict = { seq: l.seq, resolve, reject };
        port.send({ t: 'prepared', seq: l.seq });
      });
    },
  });

  port.onMessage((msg) => {
    switch (msg.t) {
      case 'load': {
        loading = { seq: msg.seq, commit: msg.commit };
        opts.onConfig?.(msg.config);
        runtime.load(msg.config, { configFiles: msg.configFiles }).then(
          () => port.send({ t: 'loaded', seq: msg.seq, addresses: [...runtime.addresses()] }),
          (err: unknown) => {
            if (!(err instanceof LoadError)) opts.log('error', '', 'request worker: loading config', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
            port.send({ t: 'failed', seq: msg.seq, error: err instanceof Error ? err.message : String(err) });
          },
        );
        break;
      }
      case 'commit':
      case 'abort': {
        const v = verdict;
        if (v === null || v.seq !== msg.seq) break;
        verdict = null;
        if (msg.t === 'commit') v.resolve();
        else v.reject(new Error('another request worker refused the config'));
        break;
      }
      case 'stop':
        void runtime.stop().finally(() => {
          port.send({ t: 'stopped' });
          opts.exit();
        });
        break;
    }
  });
  port.send({ t: 'ready' });
}
