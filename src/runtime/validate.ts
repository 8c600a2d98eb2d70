/**
 * Checking a config the way Caddy's `caddy validate` does: decode the top
 * level, then provision every app (every server, route, handler and matcher,
 * each module's decoder included) and start nothing. What provisioning
 * refuses is what `tsweb run` would refuse, in the same words: Caddy's
 * provisioning chain ("loading http app module: provision http: server
 * srv0: setting up route handlers: route 0: ..."), so a message found
 * online still matches.
 */
import '../apps/index.js';
import { type AppContext, appModules, sharedIn } from '../core/app.js';
import { silentLog } from '../core/log.js';
import type { JSONObject } from '../core/registry.js';

export class ConfigValidationError extends Error {
  override name = 'ConfigValidationError';
}

const topLevelFields = new Set(['admin', 'logging', 'storage', 'apps']);

import { isObject as isObj } from '../go/json.js';

/** Caddy's meta fields (`@id`) are for the admin API and never reach a module. */
const fieldsOf = (o: JSONObject): string[] => Object.keys(o).filter((k) => k !== '@id');

function fail(...chain: string[]): never {
  throw new ConfigValidationError(chain.join(': '));
}

/** The top level: known fields, `apps` an object of registered apps. Returns the apps' configs. */
export function checkConfigShape(config: unknown): JSONObject {
  if (!isObj(config)) fail('decoding config', 'configuration must be a JSON object');
  for (const k of fieldsOf(config)) {
    if (!topLevelFields.has(k)) fail('decoding config', `json: unknown field "${k}"`);
  }
  const apps = config.apps;
  if (apps === undefined || apps === null) return {};
  if (!isObj(apps)) fail('decoding config', 'json: "apps" must be an object');
  for (const name of fieldsOf(apps)) {
    if (!appModules.has(name)) fail(`loading ${name} app module`, `unknown module: ${name}`);
  }
  return apps;
}

export interface ValidateOptions {
  env?: NodeJS.ProcessEnv;
  configFiles?: readonly string[];
}

/** Throws ConfigValidationError describing the first problem found; opens no socket. */
export function validateConfig(config: unknown, opts: ValidateOptions = {}): void {
  const apps = checkConfigShape(config);
  const ctx: AppContext = {
    log: silentLog,
    runtimeLog: silentLog,
    env: opts.env ?? process.env,
    configFiles: opts.configFiles ?? [],
    validating: true,
    storage: (config as { storage?: unknown }).storage,
    shared: sharedIn(new Map()),
  };
  for (const [name, mod] of appModules) {
    if (!(name in apps)) continue;
    let app;
    try {
      app = mod.provision(apps[name], ctx);
    } catch (err) {
      if (err instanceof Error && !(err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError)) {
        throw new ConfigValidationError(err.message, { cause: err });
      }
      throw err;
    }
    // Provisioned to be checked, never started: release pools and timers now.
    void app.cleanup().catch(() => {});
  }
}
