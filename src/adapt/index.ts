// core engineer: replace this file (a placeholder so the CLI builds before the adapter lands).
import './directives/index.js';
import type { JSONObject, Warning } from './types.js';

export interface AdaptOptions {
  /** Environment for `{$VAR}` substitution (default: process.env). */
  env?: Record<string, string | undefined>;
}

export interface AdaptResult {
  config: JSONObject;
  warnings: Warning[];
}

/** Turns a Caddyfile into Caddy's JSON config. Throws CaddyfileError on bad input. */
export function adaptCaddyfile(_input: string, _filename: string, _opts: AdaptOptions = {}): AdaptResult {
  throw new Error('adapter not ready');
}
