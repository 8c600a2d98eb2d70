/**
 * Status codes in handler configs are Caddy WeakStrings: a number, a numeric
 * string, or a string with placeholders resolved per request. Literal codes
 * are checked once, at load; placeholder codes are checked when used.
 */
import { compileTemplate, type Replacer } from './replacer.js';
import { HandlerError } from './types.js';

function parseCode(text: string): number | null {
  const t = text.trim();
  if (!/^\d{3}$/.test(t)) return null;
  const n = Number(t);
  return n >= 100 && n <= 999 ? n : null;
}

/** null when the config has no status (the handler's default applies). */
export function compileStatus(value: unknown, field: string): ((repl: Replacer) => number) | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 100 || value > 999) throw new Error(`${field}: invalid status code ${value}`);
    return () => value;
  }
  if (typeof value !== 'string') throw new Error(`${field}: must be a number or a string`);
  if (!value.includes('{')) {
    const n = parseCode(value);
    if (n === null) throw new Error(`${field}: invalid status code '${value}'`);
    return () => n;
  }
  const tpl = compileTemplate(value, 'empty');
  return (repl) => {
    const text = tpl(repl);
    const n = parseCode(text);
    // Caddy: strconv.Atoi fails → Error(500, err).
    if (n === null) throw new HandlerError(500, `strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
    return n;
  };
}
