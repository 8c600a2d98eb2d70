/**
 * Caddy's Replacer (caddy.Replacer + caddyhttp's request provider): resolves
 * `{placeholder}` keys for one request, and compiles placeholder strings once
 * at provision time into functions that do no parsing per request.
 *
 * Lookup order is Caddy's: global values ({env.*}, {system.*}, {time.*})
 * first, then {file.*}, then values set() on this replacer, then the request
 * ({http.request.*}, {http.vars.*}, {http.error.*} ...). A key is analysed
 * once into a getter (cached per key), so `get()` and compiled templates
 * never switch on strings per request.
 *
 * `get()` returns undefined for a key Caddy does not know (for this request);
 * known-but-empty values are '' or null.
 */
import { toGoString } from '../go/fmt.js';
import { fileKey, globalKey } from './placeholders/global.js';
import { requestKey } from './placeholders/request.js';
import type { Ctx } from './types.js';
import { HandlerError } from './types.js';

export interface Replacer {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

/** How a template treats a placeholder nobody knows (Caddy's ReplaceAll vs ReplaceKnown vs ReplaceOrErr). */
export type UnknownMode = 'empty' | 'keep' | 'error';

/** A placeholder string compiled once at provision time. */
export type Template = (repl: Replacer) => string;

/** Resolves one key on our replacer. */
type Resolver = (r: RequestReplacer) => unknown;

class RequestReplacer implements Replacer {
  /** Values from set(); allocated on first set (most requests never set anything). */
  values: Map<string, unknown> | undefined;

  constructor(readonly ctx: Ctx | undefined) {}

  get(key: string): unknown {
    return resolverFor(key)(this);
  }

  set(key: string, value: unknown): void {
    // A set key is known even when its value is nil in Go; keep undefined for "unknown".
    (this.values ??= new Map()).set(key, value === undefined ? null : value);
  }

  delete(key: string): void {
    this.values?.delete(key);
  }
}

const resolvers = new Map<string, Resolver>();
// Keys come from configuration, so the cache stays small; the cap only
// guards against a handler that looks up keys built from request data.
const RESOLVER_CACHE_MAX = 10_000;

function resolverFor(key: string): Resolver {
  let r = resolvers.get(key);
  if (r !== undefined) return r;
  r = buildResolver(key);
  if (resolvers.size >= RESOLVER_CACHE_MAX) resolvers.clear();
  resolvers.set(key, r);
  return r;
}

function buildResolver(key: string): Resolver {
  const global = globalKey(key) ?? fileKey(key);
  if (global !== null) return global;
  const request = requestKey(key);
  if (request === null) {
    return (r) => r.values?.get(key);
  }
  return (r) => {
    const values = r.values;
    if (values !== undefined) {
      const v = values.get(key);
      if (v !== undefined) return v;
    }
    return r.ctx === undefined ? undefined : request(r.ctx);
  };
}

/**
 * A replacer for one request (or, without a Ctx, one that knows only the
 * global placeholders and set() values, for provision-time use).
 */
export function newReplacer(ctx?: Ctx): Replacer {
  return new RequestReplacer(ctx);
}

/** get() as a string (caddy's GetString): [text, known]. */
export function getString(repl: Replacer, key: string): [string, boolean] {
  const v = repl.get(key);
  return [toGoString(v), v !== undefined];
}

// --- templates ---------------------------------------------------------------

interface Placeholder {
  readonly key: string;
  readonly resolve: Resolver;
  /** Where the '{' is: a 'keep' template rescans from here when the key is unknown. */
  readonly at: number;
}

type Part = string | Placeholder;

interface Scan {
  parts: Part[];
  /** Caddy gives up ("too many unclosed placeholders") past 100 unclosed braces. */
  tooManyUnclosed: boolean;
}

const OPEN = '{';
const CLOSE = '}';
const ESC = '\\';

/**
 * Caddy's replace loop, run at compile time: splits `input` into literals
 * and placeholders from position `start`, with the write cursor at `cursor`,
 * assuming every placeholder is known. Escaped braces (`\{`, `\}`) become
 * literal braces; a '{' without a closing '}' is literal.
 */
function scan(input: string, start: number, cursor: number): Scan {
  const parts: Part[] = [];
  let lit = '';
  let last = cursor;
  let unclosed = 0;
  const n = input.length;
  outer: for (let i = start; i < n; i++) {
    const c = input[i];
    if (i > 0 && input[i - 1] === ESC && (c === CLOSE || c === OPEN)) {
      lit += input.slice(last, i - 1);
      last = i;
      continue;
    }
    if (c !== OPEN) continue;
    if (unclosed > 100) return { parts: [], tooManyUnclosed: true };
    let end = input.indexOf(CLOSE, i);
    if (end < 0) {
      unclosed++;
      continue;
    }
    // The first closing brace that is not escaped.
    while (end > 0 && end < n - 1 && input[end - 1] === ESC) {
      const next = input.indexOf(CLOSE, end + 1);
      if (next < 0) {
        unclosed++;
        continue outer;
      }
      end = next;
    }
    lit += input.slice(last, i);
    if (lit !== '') parts.push(lit);
    lit = '';
    const key = input.slice(i + 1, end);
    parts.push({ key, resolve: resolverFor(key), at: i });
    i = end;
    last = i + 1;
  }
  lit += input.slice(last);
  if (lit !== '') parts.push(lit);
  return { parts, tooManyUnclosed: false };
}

export interface TemplateOptions {
  /** Written for placeholders whose value is empty (and, in 'empty' mode, unknown): Caddy's `empty` argument. */
  empty?: string;
  /** In 'error' mode, also fail on known placeholders whose value is empty (ReplaceOrErr's errOnEmpty). */
  errorOnEmpty?: boolean;
  /** Caddy's ReplaceFunc: sees (key, value) of each placeholder and returns the value to write. */
  transform?: (key: string, value: unknown) => unknown;
}

/**
 * Compiles a placeholder string once. Modes: 'empty' (Caddy's ReplaceAll:
 * unknown placeholders become empty), 'keep' (ReplaceKnown: unknown ones stay
 * as written), 'error' (ReplaceOrErr: an unknown placeholder throws a
 * HandlerError 500 naming it). A string without placeholders compiles to a
 * function returning it.
 */
export function compileTemplate(input: string, unknown: UnknownMode = 'empty', opts: TemplateOptions = {}): Template {
  if (!input.includes(OPEN) && !input.includes(CLOSE)) return () => input;
  const first = scan(input, 0, 0);
  const empty = opts.empty ?? '';
  if (first.tooManyUnclosed) {
    return () => {
      if (unknown === 'error') throw new HandlerError(500, 'too many unclosed placeholders');
      return '';
    };
  }
  if (first.parts.every((p) => typeof p === 'string')) {
    const constant = (first.parts as string[]).join('');
    return () => constant;
  }
  const { errorOnEmpty = false, transform } = opts;

  // 'keep' mode: when a key is unknown, Caddy rescans from just after its '{'
  // with the brace still pending; those alternative continuations are
  // compiled on first use and kept.
  const rescans = new Map<number, Part[]>();
  const rescan = (at: number): Part[] => {
    let p = rescans.get(at);
    if (p === undefined) {
      const s = scan(input, at + 1, at);
      p = s.tooManyUnclosed ? [] : s.parts;
      rescans.set(at, p);
    }
    return p;
  };

  return (repl: Replacer): string => {
    const ours = repl instanceof RequestReplacer ? repl : null;
    let out = '';
    let parts = first.parts;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      let val = ours !== null ? part.resolve(ours) : repl.get(part.key);
      if (val === undefined) {
        if (unknown === 'error') throw new HandlerError(500, `unrecognized placeholder {${part.key}}`);
        if (unknown === 'keep') {
          parts = rescan(part.at);
          i = -1;
          continue;
        }
      }
      if (transform !== undefined) val = transform(part.key, val);
      const s = typeof val === 'string' ? val : toGoString(val);
      if (s === '') {
        if (errorOnEmpty && unknown === 'error') throw new HandlerError(500, `evaluated placeholder {${part.key}} is empty`);
        out += empty;
      } else {
        out += s;
      }
    }
    return out;
  };
}

// Templates built on the fly by replaceAll/replaceKnown, kept by input.
const dynamicTemplates = new Map<string, Template>();

function cachedTemplate(input: string, mode: UnknownMode): Template {
  const k = mode + '\0' + input;
  let t = dynamicTemplates.get(k);
  if (t === undefined) {
    t = compileTemplate(input, mode);
    if (dynamicTemplates.size >= 1000) dynamicTemplates.clear();
    dynamicTemplates.set(k, t);
  }
  return t;
}

/**
 * ReplaceAll for a string only known at request time (prefer compileTemplate
 * at provision time; this caches by input).
 */
export function replaceAll(repl: Replacer, input: string): string {
  return cachedTemplate(input, 'empty')(repl);
}

/** ReplaceKnown for a string only known at request time. */
export function replaceKnown(repl: Replacer, input: string): string {
  return cachedTemplate(input, 'keep')(repl);
}

/** True when `input` has something for a template to do (a brace). */
export function hasPlaceholders(input: string): boolean {
  return input.includes(OPEN) || input.includes(CLOSE);
}
