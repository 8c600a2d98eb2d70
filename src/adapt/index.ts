/**
 * The Caddyfile adapter: Caddyfile text → Caddy JSON config, plus warnings.
 */
import { parseCaddyfile } from '../caddyfile/parser.js';
import { sources } from '../caddyfile/errors.js';
import { formattingDifference } from '../caddyfile/formatter.js';
import { setup } from './httptype.js';
import type { JSONObject, Warning } from './types.js';

export interface AdaptOptions {
  /** Environment for `{$VAR}` (default: process.env). */
  env?: Record<string, string | undefined>;
}

export interface AdaptResult {
  config: JSONObject;
  warnings: Warning[];
}

/** Adapts a Caddyfile; throws CaddyfileError (or Error) with Caddy's message on invalid input. */
export function adaptCaddyfile(input: string, filename: string, opts: AdaptOptions = {}): AdaptResult {
  const warnings: Warning[] = [];
  sources.set(filename, input);
  const blocks = parseCaddyfile(filename, input, {
    env: opts.env,
    onWarning: (message, token) => warnings.push({ file: token?.file, line: token?.line, message }),
  });
  const result = setup(blocks, {}, warnings);
  // Messy files can parse yet mean something else than intended, so say so (as Caddy does).
  const fmtWarning = formattingDifference(filename, input);
  if (fmtWarning) result.warnings.push(fmtWarning);
  return result;
}

export type { Warning };
