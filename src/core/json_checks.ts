/**
 * Checks on matcher JSON shared by the matcher modules: Caddy rejects a
 * config whose JSON does not fit the Go type, and so do we, at provision time.
 */
import { jsonKind } from './decode.js';
import type { JSONObject } from './registry.js';

export { jsonKind };

export function stringList(config: unknown, goType: string): string[] {
  if (!Array.isArray(config) || !config.every((v) => typeof v === 'string')) {
    throw new Error(`json: cannot unmarshal ${jsonKind(config)} into Go value of type ${goType}`);
  }
  return config as string[];
}

export function object(config: unknown, goType: string): JSONObject {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new Error(`json: cannot unmarshal ${jsonKind(config)} into Go value of type ${goType}`);
  }
  return config as JSONObject;
}
