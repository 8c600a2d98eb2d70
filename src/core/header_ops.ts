/**
 * Caddy's headers.HeaderOps, compiled once: `add`, `set`, `delete` (with
 * `*` wildcards) and `replace` (substring or regexp, per field or on every
 * field with `*`), applied in Caddy's order: a `delete: ["*"]` clears
 * everything first, then add, set, the other deletes, replace. Field names
 * and values take placeholders (ReplaceKnown: unknown ones stay as written).
 *
 * The ops run on a HeaderStore so the same code serves the request headers
 * (Node's req.headers / headersDistinct) and the response (a ResponseWriter).
 *
 * The JSON types and their decoders live here too, since `headers`,
 * reverse_proxy's `headers` and others share them.
 */
import type { IncomingMessage } from 'node:http';
import type { ResponseWriter } from './response.js';
import { compileTemplate, type Replacer, type Template } from './replacer.js';
import { compileExpansion, compileGoRegexp, type GoRegexp, goStringsReplace, replaceAll, replaceAllExpanded } from '../go/replace.js';
import { isObject as isObj } from '../go/json.js';
import { DecodeError, join, jsonKind, ObjectReader } from './decode.js';

/** Go's header map, as far as the ops need it; names are matched case-insensitively. */
export interface HeaderStore {
  /** Present field names, lower-cased. */
  names(): string[];
  get(lowerName: string): string[] | undefined;
  /** Replaces all values of a field (name as it should be written). */
  set(name: string, values: string[]): void;
  add(name: string, value: string): void;
  del(lowerName: string): void;
}

const TOKEN_CHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Go's textproto.CanonicalMIMEHeaderKey: `x-foo-bar` → `X-Foo-Bar`; names with odd bytes stay as they are. */
export function canonicalKey(name: string): string {
  if (!TOKEN_CHAR.test(name)) return name;
  let out = '';
  let upper = true;
  for (const ch of name) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === '-';
  }
  return out;
}

interface Replacement {
  search: Template;
  replace: Template;
  re: GoRegexp | null;
  /** The expansion of a replacement without placeholders, parsed once. */
  fixed: ReturnType<typeof compileExpansion> | null;
}

export interface CompiledHeaderOps {
  apply(store: HeaderStore, repl: Replacer): void;
}

/** Caddy's headers.Replacement: a substring or a regexp search in a field's values. */
export interface HeaderReplacementConfig {
  search?: string;
  search_regexp?: string;
  replace?: string;
}

/** Go's http.Header as JSON: field name → values. */
export type HTTPHeaderConfig = Record<string, string[]>;

/** Caddy's headers.HeaderOps. */
export interface HeaderOpsConfig {
  add?: HTTPHeaderConfig;
  set?: HTTPHeaderConfig;
  delete?: string[];
  replace?: Record<string, HeaderReplacementConfig[]>;
}

/**
 * Caddy's caddyhttp.ResponseMatcher (compiled by core/response_matcher.ts);
 * here because `require` is part of RespHeaderOps. A header's null means the
 * field must be absent.
 */
export interface ResponseMatcherConfig {
  status_code?: number[];
  headers?: Record<string, string[] | null>;
}

/** Caddy's headers.RespHeaderOps: HeaderOps plus a response condition and deferral. */
export interface RespHeaderOpsConfig extends HeaderOpsConfig {
  require?: ResponseMatcherConfig;
  deferred?: boolean;
}

const unmarshal = (path: string, v: unknown, goType: string): DecodeError =>
  new DecodeError(path, `json: cannot unmarshal ${jsonKind(v)} into Go value of type ${goType}`);

/** A JSON []string; null reads as empty, as Go's nil slice. */
function stringsAt(v: unknown, path: string): string[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw unmarshal(path, v, '[]string');
  v.forEach((x, i) => {
    if (typeof x !== 'string') throw unmarshal(join(path, i), x, 'string');
  });
  return v as string[];
}

/** Go's http.Header: an object of field names to lists of values. */
export function decodeHTTPHeader(v: unknown, path: string): HTTPHeaderConfig | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw unmarshal(path, v, 'http.Header');
  // fromEntries defines own properties, so no field name can reach the prototype.
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stringsAt(x, join(path, k))]));
}

function decodeReplacement(v: unknown, path: string, field: string): HeaderReplacementConfig {
  const r = ObjectReader.of(v, path, 'headers.Replacement');
  const out: HeaderReplacementConfig = { search: r.str('search', ''), search_regexp: r.str('search_regexp', ''), replace: r.str('replace', '') };
  r.done();
  if (out.search !== '' && out.search_regexp !== '') {
    throw new Error(`cannot specify both a substring search and a regular expression search for field '${field}'`);
  }
  return out;
}

/** The HeaderOps fields of `r` (a HeaderOps or a RespHeaderOps object). */
function readHeaderOps(r: ObjectReader): HeaderOpsConfig {
  const out: HeaderOpsConfig = {};
  const add = decodeHTTPHeader(r.raw('add'), r.at('add'));
  if (add !== undefined) out.add = add;
  const set = decodeHTTPHeader(r.raw('set'), r.at('set'));
  if (set !== undefined) out.set = set;
  const del = r.strList('delete');
  if (del.length > 0) out.delete = del;
  const rep = r.raw('replace');
  if (rep !== undefined && rep !== null) {
    if (!isObj(rep)) throw unmarshal(r.at('replace'), rep, 'map[string][]headers.Replacement');
    out.replace = Object.fromEntries(
      Object.entries(rep).map(([field, reps]) => {
        const at = join(r.at('replace'), field);
        if (reps === null) return [field, []];
        if (!Array.isArray(reps)) throw unmarshal(at, reps, '[]headers.Replacement');
        return [field, reps.map((x: unknown, i) => decodeReplacement(x, join(at, i), field))];
      }),
    );
  }
  return out;
}

/** A headers.HeaderOps object (absent or null: undefined); unknown fields are refused. */
export function decodeHeaderOps(v: unknown, path: string): HeaderOpsConfig | undefined {
  if (v === undefined || v === null) return undefined;
  const r = ObjectReader.of(v, path, 'headers.HeaderOps');
  const out = readHeaderOps(r);
  r.done();
  return out;
}

/** A headers.RespHeaderOps object (absent or null: undefined); unknown fields are refused. */
export function decodeRespHeaderOps(v: unknown, path: string): RespHeaderOpsConfig | undefined {
  if (v === undefined || v === null) return undefined;
  const r = ObjectReader.of(v, path, 'headers.RespHeaderOps');
  const out: RespHeaderOpsConfig = readHeaderOps(r);
  const require = decodeResponseMatcher(r.raw('require'), r.at('require'));
  if (require !== undefined) out.require = require;
  if (r.bool('deferred')) out.deferred = true;
  r.done();
  return out;
}

/** A caddyhttp.ResponseMatcher object (absent or null: undefined); unknown fields are refused. */
export function decodeResponseMatcher(v: unknown, path: string): ResponseMatcherConfig | undefined {
  if (v === undefined || v === null) return undefined;
  const r = ObjectReader.of(v, path, 'caddyhttp.ResponseMatcher');
  const out: ResponseMatcherConfig = {};
  const codes = r.raw('status_code');
  if (codes !== undefined && codes !== null) {
    if (!Array.isArray(codes)) throw unmarshal(r.at('status_code'), codes, '[]int');
    codes.forEach((c, i) => {
      if (typeof c !== 'number' || !Number.isInteger(c)) throw unmarshal(join(r.at('status_code'), i), c, 'int');
    });
    out.status_code = codes as number[];
  }
  const headers = r.raw('headers');
  if (headers !== undefined && headers !== null) {
    if (!isObj(headers)) throw unmarshal(r.at('headers'), headers, 'http.Header');
    // null keeps its meaning here (the field must be absent).
    out.headers = Object.fromEntries(
      Object.entries(headers).map(([k, x]) => [k, x === null ? null : stringsAt(x, join(r.at('headers'), k))]),
    );
  }
  r.done();
  return out;
}

/**
 * Checks and compiles ops held as raw JSON; `what` is their JSON path. Other
 * fields beside the ops (a RespHeaderOps' require/deferred) are left to the
 * caller. Modules with a typed config decode at load and call buildHeaderOps.
 */
export function compileHeaderOps(config: unknown, what: string): CompiledHeaderOps | null {
  if (config === undefined || config === null) return null;
  return buildHeaderOps(readHeaderOps(ObjectReader.of(config, what, 'headers.HeaderOps')));
}

function compileFieldValues(ops: HTTPHeaderConfig | undefined): Array<[Template, Template[]]> {
  if (ops === undefined) return [];
  return Object.entries(ops).map(([field, vals]) => [compileTemplate(field, 'keep'), vals.map((v) => compileTemplate(v, 'keep'))]);
}

/** Compiles decoded ops; null when there are none. */
export function buildHeaderOps(config: HeaderOpsConfig | undefined): CompiledHeaderOps | null {
  if (config === undefined) return null;
  const add = compileFieldValues(config.add);
  const set = compileFieldValues(config.set);
  const deletes = (config.delete ?? []).map((d) => compileTemplate(d, 'keep'));

  const replaces: Array<[Template, Replacement[]]> = [];
  for (const [field, reps] of Object.entries(config.replace ?? {})) {
    replaces.push([
      compileTemplate(field, 'keep'),
      reps.map((r, i) => {
        const search = r.search ?? '';
        const searchRe = r.search_regexp ?? '';
        const replace = r.replace ?? '';
        let re: GoRegexp | null = null;
        if (searchRe !== '') {
          try {
            re = compileGoRegexp(searchRe);
          } catch (err) {
            throw new Error(`replacement ${i} for header field '${field}': ${(err as Error).message}`);
          }
        }
        const hasPlaceholders = replace.includes('{') || replace.includes('}');
        return {
          search: compileTemplate(search, 'keep'),
          replace: compileTemplate(replace, 'keep'),
          re,
          fixed: re !== null && !hasPlaceholders ? compileExpansion(replace, re) : null,
        };
      }),
    ]);
  }

  // delete "*" is decided now when it is literal, so most configs pay nothing for it.
  return {
    apply(store, repl) {
      const deleteNames = deletes.map((d) => d(repl).toLowerCase());
      if (deleteNames.includes('*')) for (const n of store.names()) store.del(n);

      for (const [field, vals] of add) {
        const name = canonicalKey(field(repl));
        for (const v of vals) store.add(name, v(repl));
      }
      for (const [field, vals] of set) {
        store.set(canonicalKey(field(repl)), [vals.map((v) => v(repl)).join(',')]);
      }
      for (const name of deleteNames) {
        if (name === '*') continue;
        const lead = name.startsWith('*');
        const trail = name.length > 1 && name.endsWith('*');
        if (!lead && !trail) {
          store.del(name);
          continue;
        }
        const core = name.slice(lead ? 1 : 0, trail ? -1 : undefined);
        for (const existing of store.names()) {
          const hit = lead && trail ? existing.includes(core) : lead ? existing.endsWith(core) : existing.startsWith(core);
          if (hit) store.del(existing);
        }
      }
      for (const [field, reps] of replaces) {
        const name = field(repl).toLowerCase();
        const targets = name === '*' ? store.names() : store.get(name) === undefined ? [] : [name];
        for (const r of reps) {
          const search = r.search(repl);
          const replacement = r.replace(repl);
          for (const target of targets) {
            const vals = store.get(target);
            if (vals === undefined) continue;
            const next = vals.map((v) => {
              if (r.re !== null) return r.fixed !== null ? replaceAllExpanded(r.re, v, r.fixed) : replaceAll(r.re, v, replacement);
              return goStringsReplace(v, search, replacement, -1);
            });
            store.set(target, next);
          }
        }
      }
    },
  };
}

/** The response's headers (Node keeps the case given to setHeader, which is what goes out). */
export function responseStore(res: ResponseWriter): HeaderStore {
  return {
    names: () => res.getHeaderNames(),
    get(name) {
      const v = res.getHeader(name);
      if (v === undefined) return undefined;
      return Array.isArray(v) ? v.map(String) : [String(v)];
    },
    set(name, values) {
      if (values.length === 0) res.removeHeader(name);
      else res.setHeader(name, values.length === 1 ? values[0]! : values);
    },
    add(name, value) {
      res.appendHeader(name, value);
    },
    del(name) {
      res.removeHeader(name);
    },
  };
}

type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * The request's headers. Node keeps two views (req.headers, joined, and
 * req.headersDistinct, one entry per field line); both are updated so
 * matchers and placeholders see the change whichever they read.
 * req.rawHeaders stays as received.
 */
export function requestStore(req: IncomingMessage): HeaderStore {
  const distinct = req.headersDistinct as HeaderBag;
  const joined = req.headers as HeaderBag;
  const write = (lname: string, values: string[]) => {
    if (values.length === 0) {
      delete distinct[lname];
      delete joined[lname];
      return;
    }
    distinct[lname] = values;
    joined[lname] = lname === 'set-cookie' ? values : values.join(lname === 'cookie' ? '; ' : ', ');
  };
  return {
    names: () => Object.keys(distinct).filter((k) => distinct[k] !== undefined),
    get(name) {
      const v = distinct[name];
      return v === undefined ? undefined : Array.isArray(v) ? v : [v];
    },
    set(name, values) {
      write(name.toLowerCase(), values);
    },
    add(name, value) {
      const l = name.toLowerCase();
      const cur = distinct[l];
      write(l, cur === undefined ? [value] : [...(Array.isArray(cur) ? cur : [cur]), value]);
    },
    del(name) {
      write(name, []);
    },
  };
}
