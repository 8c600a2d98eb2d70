/**
 * What one config's provisioning shares (cleanups, named routes) and the
 * error that carries Caddy's chain: a failure deep in the tree reads
 * "route 0: loading handler modules: position 1: loading module 'subroute':
 * provision http.handlers.subroute: route 2: ..." so the user can find the
 * object at fault. The compiling itself is routes.ts.
 */
import type { EngineLog } from '../../core/log.js';
import type { Handler } from '../../core/types.js';

/** A config the engine cannot run; the message is the whole chain. */
export class ProvisionError extends Error {
  override name = 'ProvisionError';
  constructor(chain: readonly string[], cause?: unknown) {
    super(chain.join(': '), cause === undefined ? undefined : { cause });
  }
}

/** What every module provisioned for one config shares. */
export interface ProvisionScope {
  readonly configFiles: string[];
  readonly cleanups: Array<() => void | Promise<void>>;
  /** Run when the config stops taking requests, before they finish (ProvisionEnv.onRetire). */
  readonly retirers: Array<() => void>;
  /** The server's named routes (filled before its routes compile; invoke looks up at request time). */
  readonly namedRoutes: Map<string, Handler>;
  /** Where modules log what they do on their own (active health probes). */
  readonly log?: EngineLog;
  readonly env?: NodeJS.ProcessEnv;
  /** The config's `storage` JSON (acme_server's CA lives there, as the pki app's). */
  readonly storage?: unknown;
}

export function newScope(configFiles: string[] = [], log?: EngineLog, env?: NodeJS.ProcessEnv, storage?: unknown): ProvisionScope {
  return { configFiles, cleanups: [], retirers: [], namedRoutes: new Map(), log, env, storage };
}

/** Same scope, a different server: named routes are per server in Caddy. */
export function serverScope(parent: ProvisionScope): ProvisionScope {
  return { ...parent, namedRoutes: new Map() };
}
