import type { Token } from './token.js';

export type WarnFn = (message: string) => void;

/**
 * Recognizes a token that is exactly `{args[a:b]}` (either bound optional) and
 * returns the argument range it expands to, or null when it is not variadic.
 */
export function parseVariadic(token: Token, argCount: number, warn: WarnFn): [number, number] | null {
  const t = token.text;
  if (!t.startsWith('{args[') || !t.endsWith(']}')) return null;
  const range = t.slice(6, -2);
  if (range === '') {
    warn(`Placeholder ${t} cannot have an empty index`);
    return null;
  }
  const colon = range.indexOf(':');
  if (colon < 0) return null;
  const start = range.slice(0, colon);
  const end = range.slice(colon + 1);
  // Several placeholders separated by ':' are not one variadic (caddy#5716).
  if (start.includes('}') || end.includes('{')) return null;
  let s = 0;
  let e = argCount;
  if (start !== '') {
    if (!/^[+-]?\d+$/.test(start)) {
      warn(`Variadic placeholder ${t} has an invalid start index`);
      return null;
    }
    s = Number(start);
  }
  if (end !== '') {
    if (!/^[+-]?\d+$/.test(end)) {
      warn(`Variadic placeholder ${t} has an invalid end index`);
      return null;
    }
    e = Number(end);
  }
  if (s < 0 || s > e || e > argCount) {
    warn(`Variadic placeholder ${t} indices are out of bounds, only ${argCount} argument(s) exist`);
    return null;
  }
  return [s, e];
}

/** Value of an `args[N]` / deprecated `args.N` key, or undefined when the key is something else. */
function argValue(key: string, args: string[], warn: WarnFn): string | undefined {
  let m = /^args\.(.+)$/.exec(key);
  if (m) {
    if (!/^\d+$/.test(m[1]!)) return undefined;
    const i = Number(m[1]);
    if (i >= args.length) {
      warn(`Placeholder {args.${m[1]}} index is out of bounds, only ${args.length} argument(s) exist`);
      return undefined;
    }
    warn(`Placeholder {args.${m[1]}} deprecated, use {args[${m[1]}]} instead`);
    return args[i];
  }
  m = /^args\[(.+)\]$/.exec(key);
  if (m) {
    if (m[1]!.includes(':')) {
      warn(`Variadic placeholder {args[${m[1]}]} must be a token on its own`);
      return undefined;
    }
    if (!/^\d+$/.test(m[1]!)) return undefined;
    const i = Number(m[1]);
    if (i >= args.length) {
      warn(`Placeholder {args[${m[1]}]} index is out of bounds, only ${args.length} argument(s) exist`);
      return undefined;
    }
    return args[i];
  }
  return undefined;
}

/**
 * Caddy's Replacer.ReplaceKnown with only the import arguments known: known
 * placeholders are substituted, unknown ones are kept, and `\{` / `\}` lose
 * their backslash (as they do in Caddy when a token passes through an import).
 */
export function replaceArgs(input: string, args: string[], warn: WarnFn): string {
  if (!input.includes('{') && !input.includes('\\')) return input;
  let out = '';
  let last = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (i > 0 && input[i - 1] === '\\' && (c === '}' || c === '{')) {
      out += input.slice(last, i - 1);
      last = i;
      continue;
    }
    if (c !== '{') continue;
    let end = input.indexOf('}', i);
    if (end < 0) continue;
    while (end > 0 && end < input.length - 1 && input[end - 1] === '\\') {
      const next = input.indexOf('}', end + 1);
      if (next < 0) break;
      end = next;
    }
    out += input.slice(last, i);
    const key = input.slice(i + 1, end);
    const val = argValue(key, args, warn);
    if (val === undefined) {
      last = i;
      continue;
    }
    out += val;
    i = end;
    last = i + 1;
  }
  return out + input.slice(last);
}
