/**
 * The query side of Caddy's rewrite: buildQueryString (a configured query
 * is split into keys and values once; placeholders in it are query-escaped
 * when expanded, except {http.request.uri.query} in key position, which is
 * already escaped — that is how `?{query}&a=b` keeps the original pairs),
 * and the `query` operations (rename, set, add, replace, delete), which end
 * with Go's url.Values.Encode (keys sorted).
 */
import { toGoString } from '../../go/fmt.js';
import { parseQuery, queryEscape } from '../../go/url.js';
import { compileTemplate, type Replacer, type Template } from '../../core/replacer.js';
import { type GoRegexp, goStringsReplace, replaceAll } from '../../go/replace.js';
import type { QueryKeyVal, QueryOps as QueryOpsConfig } from './config.js';

interface Component {
  text: Template;
  /** This component is a key (else a value, after '='). */
  key: boolean;
}

const escapeValue = (_key: string, v: unknown) => queryEscape(toGoString(v));
const escapeKey = (key: string, v: unknown) => (key === 'http.request.uri.query' ? toGoString(v) : queryEscape(toGoString(v)));

/**
 * Splits a query template the way buildQueryString walks it: after a key,
 * '=' or '&' ends it; in a value only '&' does (base64 padding stays).
 */
export function compileQueryString(qs: string, placeholders = true): Component[] {
  const comps: Component[] = [];
  let wroteVal = true;
  let rest = qs;
  while (rest.length > 0) {
    let nextEq = rest.indexOf('=');
    const nextAmp = rest.indexOf('&');
    if (!wroteVal) nextEq = -1;
    const ampIsNext = nextAmp >= 0 && (nextAmp < nextEq || nextEq < 0);
    let end = rest.length;
    if (ampIsNext) end = nextAmp;
    else if (nextEq >= 0 && (nextEq < nextAmp || nextAmp < 0)) end = nextEq;
    const raw = rest.slice(0, end);
    const key = wroteVal;
    const text = placeholders ? compileTemplate(raw, 'empty', { transform: key ? escapeKey : escapeValue }) : () => raw;
    comps.push({ text, key });
    rest = rest.slice(end < rest.length ? end + 1 : end);
    wroteVal = ampIsNext;
  }
  return comps;
}

/** Assembles the components as buildQueryString writes them (no '&' before an empty key). */
export function buildQueryString(comps: readonly Component[], repl: Replacer): string {
  let out = '';
  for (const c of comps) {
    const text = c.text(repl);
    if (c.key) {
      if (out.length > 0 && text.length > 0) out += '&';
    } else {
      out += '=';
    }
    out += text;
  }
  return out;
}

/** url.Values.Encode: keys sorted, every pair escaped. */
export function encodeQuery(values: Map<string, string[]>): string {
  const keys = [...values.keys()].sort();
  const parts: string[] = [];
  for (const k of keys) {
    const ek = queryEscape(k);
    for (const v of values.get(k)!) parts.push(ek + '=' + queryEscape(v));
  }
  return parts.join('&');
}

interface KeyVal {
  key: Template;
  val: Template;
}

interface QueryReplace {
  key: Template;
  search: Template;
  replace: Template;
  re: GoRegexp | null;
}

export type QueryOps = (query: string, repl: Replacer) => string;

const keyVals = (list: readonly QueryKeyVal[]): KeyVal[] => list.map((o) => ({ key: compileTemplate(o.key, 'empty'), val: compileTemplate(o.val, 'empty') }));

export function compileQueryOps(config: QueryOpsConfig | null): QueryOps | null {
  if (config === null) return null;
  const rename = keyVals(config.rename);
  const set = keyVals(config.set);
  const add = keyVals(config.add);
  const replaces: QueryReplace[] = config.replace.map((r) => ({
    key: compileTemplate(r.key, 'empty'),
    search: compileTemplate(r.search, 'keep'),
    replace: compileTemplate(r.replace, 'keep'),
    re: r.re,
  }));
  const deletes = config.delete.map((d) => compileTemplate(d, 'empty'));

  return (queryString, repl) => {
    const query = parseQuery(queryString).values;
    for (const op of rename) {
      const key = op.key(repl);
      const val = op.val(repl);
      if (key === '' || val === '' || key === val) continue;
      const orig = query.get(key);
      if (orig === undefined) continue;
      query.set(val, orig);
      query.delete(key);
    }
    for (const op of set) {
      const key = op.key(repl);
      if (key !== '') query.set(key, [op.val(repl)]);
    }
    for (const op of add) {
      const key = op.key(repl);
      if (key === '') continue;
      const cur = query.get(key);
      if (cur) cur.push(op.val(repl));
      else query.set(key, [op.val(repl)]);
    }
    for (const op of replaces) {
      const key = op.key(repl);
      const search = op.search(repl);
      const replacement = op.replace(repl);
      const edit = (v: string) => (op.re !== null ? replaceAll(op.re, v, replacement) : goStringsReplace(v, search, replacement, -1));
      const keys = key === '*' ? [...query.keys()] : query.has(key) ? [key] : [];
      for (const k of keys) query.set(k, query.get(k)!.map(edit));
    }
    for (const d of deletes) {
      const key = d(repl);
      if (key !== '') query.delete(key);
    }
    return encodeQuery(query);
  };
}
