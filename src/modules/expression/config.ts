/**
 * caddyhttp.MatchExpression's JSON: the CEL text as a string, or (newer
 * Caddy, when the Caddyfile named the matcher) `{expr, name}`; the name
 * labels the captures of regexp functions called without one.
 */
import { ObjectReader } from '../../core/decode.js';

export interface ExpressionConfig {
  expr: string;
  name: string;
}

export function decodeExpression(json: unknown): ExpressionConfig {
  if (typeof json === 'string') return { expr: json, name: '' };
  const r = ObjectReader.of(json, '', 'caddyhttp.MatchExpression');
  const expr = r.str('expr', '');
  const name = r.str('name', '');
  r.done();
  return { expr, name };
}
