/**
 * The `rewrite` handler's JSON (Caddy's rewrite.Rewrite), as the `rewrite`,
 * `uri`, `method` and `handle_path` directives write it and the handler
 * reads it. Regular expressions compile here, so a bad one fails at load.
 */
import { ObjectReader } from '../../core/decode.js';
import type { JSONObject } from '../../core/registry.js';
import { compileGoRegexp, type GoRegexp } from '../../go/replace.js';

/** rewrite.substrReplacer. */
export interface SubstrReplacerConfig {
  find?: string;
  replace?: string;
  /** How many to replace; 0 or absent: all. */
  limit?: number;
}

/** rewrite.regexReplacer. */
export interface RegexReplacerConfig {
  find?: string;
  replace?: string;
}

/** rewrite.queryOpsArguments: for rename, `val` is the new key. */
export interface QueryKeyValConfig {
  key?: string;
  val?: string;
}

/** rewrite.queryOpsReplacement. */
export interface QueryReplaceConfig {
  key?: string;
  search?: string;
  search_regexp?: string;
  replace?: string;
}

/** rewrite.queryOps, applied in this order. */
export interface QueryOpsConfig {
  rename?: QueryKeyValConfig[];
  set?: QueryKeyValConfig[];
  add?: QueryKeyValConfig[];
  replace?: QueryReplaceConfig[];
  delete?: string[];
}

export interface RewriteConfig {
  handler: 'rewrite';
  method?: string;
  uri?: string;
  strip_path_prefix?: string;
  strip_path_suffix?: string;
  uri_substring?: SubstrReplacerConfig[];
  path_regexp?: RegexReplacerConfig[];
  query?: QueryOpsConfig;
  /**
   * tsweb's own (Caddy has no such field): a query injected through a
   * placeholder in the path part replaces the query even when the URI has one.
   */
  force_modify_query?: boolean;
}

export interface Substring {
  find: string;
  replace: string;
  /** strings.Replace's n: −1 for all. */
  limit: number;
}

export interface RegexpReplacement {
  re: GoRegexp;
  replace: string;
}

export interface QueryKeyVal {
  key: string;
  val: string;
}

export interface QueryReplace {
  key: string;
  search: string;
  replace: string;
  /** Compiled search_regexp; null: plain `search`. */
  re: GoRegexp | null;
}

export interface QueryOps {
  rename: QueryKeyVal[];
  set: QueryKeyVal[];
  add: QueryKeyVal[];
  replace: QueryReplace[];
  delete: string[];
}

/** The rewrite as the handler runs it; '' means "not set". */
export interface Rewrite {
  method: string;
  uri: string;
  forceModifyQuery: boolean;
  stripPathPrefix: string;
  stripPathSuffix: string;
  uriSubstring: Substring[];
  pathRegexp: RegexpReplacement[];
  /** null: no query operations (an empty object still re-encodes the query). */
  query: QueryOps | null;
}

function keyVals(q: ObjectReader, key: string): QueryKeyVal[] {
  return q.list(key, (v, path) => {
    const r = ObjectReader.of(v, path);
    const kv = { key: r.str('key', ''), val: r.str('val', '') };
    r.done();
    return kv;
  });
}

function decodeQueryOps(r: ObjectReader): QueryOps | null {
  const raw = r.raw('query');
  if (raw === undefined || raw === null) return null;
  const q = r.obj('query');
  const ops: QueryOps = {
    rename: keyVals(q, 'rename'),
    set: keyVals(q, 'set'),
    add: keyVals(q, 'add'),
    replace: q.list('replace', (v, path) => {
      const e = ObjectReader.of(v, path);
      const searchRegexp = e.str('search_regexp', '');
      let re: GoRegexp | null = null;
      if (searchRegexp !== '') {
        try {
          re = compileGoRegexp(searchRegexp);
        } catch (err) {
          throw new Error(`compiling regular expression ${searchRegexp} in query rewrite replace operation: ${(err as Error).message}`);
        }
      }
      const rep = { key: e.str('key', ''), search: e.str('search', ''), replace: e.str('replace', ''), re };
      e.done();
      return rep;
    }),
    delete: q.strList('delete'),
  };
  q.done();
  return ops;
}

export function decodeRewrite(json: JSONObject): Rewrite {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const uriSubstring = r
    .list('uri_substring', (v, path): Substring => {
      const e = ObjectReader.of(v, path);
      const s = { find: e.str('find', ''), replace: e.str('replace', ''), limit: e.int('limit', 0) };
      e.done();
      return { ...s, limit: s.limit === 0 ? -1 : s.limit };
    })
    // Caddy skips a replacement with nothing to find.
    .filter((s) => s.find !== '');
  let index = 0;
  const pathRegexp = r.list('path_regexp', (v, path): RegexpReplacement => {
    const i = index++;
    const e = ObjectReader.of(v, path);
    const find = e.str('find', '');
    if (find === '') throw new Error('path_regexp find cannot be empty');
    let re: GoRegexp;
    try {
      re = compileGoRegexp(find);
    } catch (err) {
      throw new Error(`compiling regular expression ${i}: ${(err as Error).message}`);
    }
    const replace = e.str('replace', '');
    e.done();
    return { re, replace };
  });
  const out: Rewrite = {
    method: r.str('method', ''),
    uri: r.str('uri', ''),
    forceModifyQuery: r.bool('force_modify_query'),
    stripPathPrefix: r.str('strip_path_prefix', ''),
    stripPathSuffix: r.str('strip_path_suffix', ''),
    uriSubstring,
    pathRegexp,
    query: decodeQueryOps(r),
  };
  r.done();
  return out;
}
