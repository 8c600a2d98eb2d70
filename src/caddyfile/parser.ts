import type { Token } from './token.js';

/** One top-level block: its keys (site addresses, `(snippet)`, `&(route)`, or none for global options) and its directives. */
export interface ServerBlock {
  keys: Token[];
  /** One segment per directive: its tokens, including a trailing `{ ... }` block. */
  segments: Token[][];
  hasBraces: boolean;
  isNamedRoute: boolean;
}

export interface ParseOptions {
  /** Environment for `{$VAR}` (default: process.env). */
  env?: Record<string, string | undefined>;
}

/** Lexes and parses a Caddyfile, expanding imports and snippets. Throws CaddyfileError. */
export function parseCaddyfile(_filename: string, _input: string, _opts: ParseOptions = {}): ServerBlock[] {
  throw new Error('parser: being written (lands within the hour)');
}
