/**
 * Caddy's headers.HeaderOps, compiled once: `add`, `set`, `delete` (with
 * `*` wildcards) and `replace` (substring or regexp, per field or on every
 * field with `*`), applied in Caddy's order: a `delete: ["*"]` clears
 * everything first, then add, set, the other deletes, replace. Field names
 * and values take placeholders (ReplaceKnown: unknown ones stay as written).
 *
 * The ops run on a HeaderStore so the same code serves the request headers
 * (Node's req.headers / headersDistinct) and the response (a ResponseWriter).
 */
import type { IncomingMessage } from 'node:http';
import type { ResponseWriter } from './response.js';
import { compileTemplate, type Replacer, type Template } from './replacer.js';
import { compileExpansion, compileGoRegexp, type GoRegexp, goStringsReplace, replaceAll, replaceAllExpanded } from '../go/replace.js';

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

import { isObject as isObj } from '../go/json.js';

function compileFieldValues(ops: unknown, what: string): Array<[Template, Template[]]> {
  if (ops === undefined || ops === null) return [];
  if (!isObj(ops)) throw new Error(`${what}: must be an object of field names to lists of values`);
  return Object.entries(ops).map(([field, vals]) => {
    if (!Array.isArray(vals) || vals.some((v) => typeof v !== 'string')) throw new Error(`${what}: ${field}: values must be a list of strings`);
    return [compileTemplate(field, 'keep'), (vals as string[]).map((v) => compileTemplate(v, 'keep'))];
  });
}

export function compileHeaderOps(config: unknown, what: string): CompiledHeaderOps | null {
  if (config === undefined || config === null) return null;
  if (!isObj(config)) throw new Error(`${what}: must be an object`);
  const add = compileFieldValues(config.add, `${what}.add`);
  const set = compileFieldValues(config.set, `${what}.set`);

  const del = config.delete ?? [];
  if (!Array.isArray(del) || del.some((d) => typeof d !== 'string')) throw new Error(`${what}.delete: must be a list of field names`);
  const deletes = (del as string[]).map((d) => compileTemplate(d, 'keep'));

  const replaces: Array<[Template, Replacement[]]> = [];
  if (config.replace !== undefined && config.replace !== null) {
    if (!isObj(config.replace)) throw new Error(`${what}.replace: must be an object of field names to replacements`);
    for (const [field, reps] of Object.entries(config.replace)) {
      if (!Array.isArray(reps)) throw new Error(`${what}.replace: ${field}: must be a list of replacements`);
      replaces.push([
        compileTemplate(field, 'keep'),
        reps.map((r: unknown, i) => {
          if (!isObj(r)) throw new Error(`${what}.replace: ${field}: replacement ${i} must be an object`);
          const search = typeof r.search === 'string' ? r.search : '';
          const searchRe = typeof r.search_regexp === 'string' ? r.search_regexp : '';
          const replace = typeof r.replace === 'string' ? r.replace : '';
          if (search !== '' && searchRe !== '') {
            throw new Error(`cannot specify both a substring search and a regular expression search for field '${field}'`);
          }
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
