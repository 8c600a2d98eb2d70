// INTERFACE ONLY — the placeholder engineer implements this file (keep these exports).
import type { Ctx } from './types.js';

/**
 * Caddy's Replacer: resolves `{placeholder}` keys for one request. Values set
 * with set() win; everything else is computed lazily from the request
 * (http.request.*), the environment (env.*), time.*, system.*, http.vars.*,
 * http.error.*, http.regexp.* ...
 */
export interface Replacer {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

/** How a template treats a placeholder nobody knows (Caddy's ReplaceAll vs ReplaceKnown vs ReplaceOrErr). */
export type UnknownMode = 'empty' | 'keep' | 'error';

/** A placeholder string compiled once at provision time. */
export type Template = (repl: Replacer) => string;

export declare function compileTemplate(input: string, unknown?: UnknownMode): Template;
export declare function newReplacer(ctx: Ctx): Replacer;
