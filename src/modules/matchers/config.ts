/**
 * The standard request matchers' JSON (Caddy's caddyhttp Match* types), as
 * the adapter writes it and the matchers read it. A matcher's JSON is its
 * value: a list for path, a map for header, a struct for remote_ip. Each
 * decoder checks that value with Go's messages ("json: cannot unmarshal
 * string into Go value of type caddyhttp.MatchPath"), prefixed with the
 * path inside the value when the fault is deeper (`Host[0]: ...`).
 */
import { domainToASCII } from 'node:url';
import { DecodeError, jsonKind, ObjectReader } from '../../core/decode.js';
import { object, stringList, stringListMap } from '../../core/json_checks.js';
import { RegexpMatcher } from '../../go/regexp.js';

/** caddyhttp.MatchHost: host names, `*` for one label, placeholders allowed. */
export type MatchHostConfig = string[];
/** caddyhttp.MatchPath: path patterns. */
export type MatchPathConfig = string[];
/** caddyhttp.MatchMethod. */
export type MatchMethodConfig = string[];
/** caddyhttp.MatchHeader (http.Header): `null` means the field must be absent. */
export type MatchHeaderConfig = Record<string, string[] | null>;
/** caddyhttp.MatchQuery (url.Values). */
export type MatchQueryConfig = Record<string, string[] | null>;
/** caddyhttp.VarsMatcher: variable name or lone placeholder → values. */
export type VarsMatcherConfig = Record<string, string[]>;
/** caddyhttp.MatchRegexp, the shape of every *_regexp matcher's pattern. */
export interface MatchRegexpConfig {
  name?: string;
  pattern: string;
}
/** caddyhttp.MatchPathRE. */
export type MatchPathREConfig = MatchRegexpConfig;
/** caddyhttp.MatchHeaderRE: header field → pattern. */
export type MatchHeaderREConfig = Record<string, MatchRegexpConfig>;
/** caddyhttp.MatchVarsRE: variable name or lone placeholder → pattern. */
export type MatchVarsREConfig = Record<string, MatchRegexpConfig>;
/** caddyhttp.MatchProtocol: "http", "https", "grpc", "http/1.1", "http/2+"... */
export type MatchProtocolConfig = string;
/** caddyhttp.MatchTLS. */
export interface MatchTLSConfig {
  handshake_complete?: boolean;
}
/** caddyhttp.MatchRemoteIP / MatchClientIP (and local_ip's syntax): CIDRs or addresses, optionally with a zone. */
export interface MatchIPRangesConfig {
  ranges?: string[];
}
/** caddyhttp.MatchExpression: a CEL string, or `{expr, name}` when the Caddyfile named it. */
export type MatchExpressionConfig = string | { expr: string; name?: string };
/** A matcher set as JSON: matcher name → that matcher's value. */
export type MatcherSetConfig = Record<string, unknown>;
/** caddyhttp.MatchNot: matcher sets, ORed, then negated. */
export type MatchNotConfig = MatcherSetConfig[];

/** idna.ToASCII as Caddy applies it: only names with non-ASCII characters change, label by label. */
function toASCII(host: string): string {
  if (!/[^\x00-\x7f]/.test(host)) return host;
  return host
    .split('.')
    .map((label) => {
      if (!/[^\x00-\x7f]/.test(label)) return label;
      const a = domainToASCII(label);
      if (a === '') throw new Error(`converting hostname '${host}' to ASCII: invalid label '${label}'`);
      return a;
    })
    .join('.');
}

/** The names in ASCII form; a repeated name (case-insensitively) is refused, as Caddy's Provision does. */
export function decodeHost(json: unknown): string[] {
  const hosts = stringList(json, 'caddyhttp.MatchHost').map(toASCII);
  const seen = new Map<string, number>();
  hosts.forEach((h, i) => {
    const norm = h.toLowerCase();
    const first = seen.get(norm);
    if (first !== undefined) throw new Error(`host at index ${first} is repeated at index ${i}: ${h}`);
    seen.set(norm, i);
  });
  return hosts;
}

/** The patterns, lower-cased (path matching is case-insensitive). */
export function decodePath(json: unknown): string[] {
  return stringList(json, 'caddyhttp.MatchPath').map((p) => p.toLowerCase());
}

export function decodeMethod(json: unknown): string[] {
  return stringList(json, 'caddyhttp.MatchMethod');
}

export interface HeaderField {
  /** Lower-cased field name. */
  name: string;
  /** null: the field must be absent. */
  values: string[] | null;
}

export function decodeHeader(json: unknown): HeaderField[] {
  return stringListMap(json, 'caddyhttp.MatchHeader', true).map(([name, values]) => ({ name: name.toLowerCase(), values }));
}

export interface KeyValues {
  key: string;
  values: string[];
}

export function decodeQuery(json: unknown): KeyValues[] {
  return stringListMap(json, 'caddyhttp.MatchQuery', true).map(([key, values]) => ({ key, values: values ?? [] }));
}

export function decodeVarsMatcher(json: unknown): KeyValues[] {
  return stringListMap(json, 'caddyhttp.VarsMatcher', false).map(([key, values]) => ({ key, values: values ?? [] }));
}

/** One MatchRegexp, compiled (an invalid pattern or name is refused here). */
function regexp(json: unknown, path: string, goType: string): RegexpMatcher {
  const r = new ObjectReader(object(json, goType, path), path);
  const name = r.str('name');
  const pattern = r.str('pattern', '');
  r.done();
  return new RegexpMatcher(name, pattern);
}

export function decodePathRE(json: unknown): RegexpMatcher {
  return regexp(json, '', 'caddyhttp.MatchPathRE');
}

export interface KeyRegexp {
  key: string;
  re: RegexpMatcher;
}

/** header_regexp / vars_regexp: field or variable → compiled pattern. */
export function decodeRegexpMap(goType: 'caddyhttp.MatchHeaderRE' | 'caddyhttp.MatchVarsRE'): (json: unknown) => KeyRegexp[] {
  return (json) => Object.entries(object(json, goType)).map(([key, spec]) => ({ key, re: regexp(spec, key, 'caddyhttp.MatchRegexp') }));
}

export function decodeProtocol(json: unknown): string {
  if (typeof json !== 'string') throw new DecodeError('', `json: cannot unmarshal ${jsonKind(json)} into Go value of type caddyhttp.MatchProtocol`);
  return json;
}

/** Whether the handshake must be complete (true), incomplete (false) or either (undefined). */
export function decodeTLS(json: unknown): boolean | undefined {
  const r = ObjectReader.of(json, '', 'caddyhttp.MatchTLS');
  const v = r.raw('handshake_complete');
  r.done();
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new DecodeError('handshake_complete', `json: cannot unmarshal ${jsonKind(v)} into Go value of type bool`);
  return v;
}

/** The ranges as written; remote_ip's `forwarded` (Caddy before 2.7) is refused with Caddy's pointer to client_ip. */
export function decodeIPRanges(goType: 'caddyhttp.MatchRemoteIP' | 'caddyhttp.MatchClientIP'): (json: unknown) => string[] {
  return (json) => {
    const r = new ObjectReader(object(json, goType));
    if (r.raw('forwarded') !== undefined) throw new Error("the 'forwarded' option is no longer supported; use the 'client_ip' matcher instead");
    const ranges = r.strList('ranges');
    r.done();
    return ranges;
  };
}

export function decodeNot(json: unknown): MatchNotConfig {
  if (!Array.isArray(json)) throw new DecodeError('', `json: cannot unmarshal ${jsonKind(json)} into Go value of type []caddy.ModuleMap`);
  return json as MatchNotConfig;
}
