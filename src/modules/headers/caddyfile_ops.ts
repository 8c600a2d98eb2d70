/**
 * Header manipulation as Caddy's `headers` module configures it. Shared by
 * the header / request_header / push directives and reverse_proxy's
 * header_up / header_down (Caddy's headers.CaddyfileHeaderOp).
 */
import type { HeaderOpsConfig, HeaderReplacementConfig, ResponseMatcherConfig, RespHeaderOpsConfig } from '../../core/header_ops.js';

/** A regexp (or substring) replacement inside a header value. */
export type HeaderReplacement = HeaderReplacementConfig;

/** Caddy's headers.HeaderOps. */
export type HeaderOps = HeaderOpsConfig;

/** Caddy's caddyhttp.ResponseMatcher. */
export type ResponseMatcherJSON = ResponseMatcherConfig;

/** Caddy's headers.RespHeaderOps: HeaderOps plus a response condition and deferral. */
export type RespHeaderOps = RespHeaderOpsConfig;

const tokenChar = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Go's http.CanonicalHeaderKey: `content-type` → `Content-Type`. Keys with
 * characters that are not valid in a header name are returned unchanged, as Go does.
 */
export function canonicalHeaderKey(s: string): string {
  if (!tokenChar.test(s)) return s;
  let upper = true;
  let out = '';
  for (const ch of s) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === '-';
  }
  return out;
}

function headerAdd(h: Record<string, string[]>, field: string, value: string): void {
  const key = canonicalHeaderKey(field);
  (h[key] ??= []).push(value);
}

function headerSet(h: Record<string, string[]>, field: string, value: string): void {
  h[canonicalHeaderKey(field)] = [value];
}

/**
 * Applies one Caddyfile header operation to `ops`: `+field` appends, `-field`
 * deletes, `?field` sets a default (response only), `>field` sets with
 * deferral (response only), `field value replacement` replaces by regexp,
 * and a plain `field value` overwrites. `resp` is the response-side holder
 * (for `?`, deferral), or undefined for request headers. Returns an error
 * message instead of throwing so callers can position it at their token.
 */
export function applyHeaderOp(
  ops: HeaderOps,
  resp: RespHeaderOps | undefined,
  field: string,
  value: string,
  replacement: string | undefined,
): string | undefined {
  if (field.startsWith('+')) {
    headerAdd((ops.add ??= {}), field.slice(1), value);
  } else if (field.startsWith('-')) {
    (ops.delete ??= []).push(field.slice(1));
    if (resp) resp.deferred = true;
  } else if (field.startsWith('?')) {
    if (!resp) {
      return `${field}: the default header modifier ('?') can only be used on response headers; for conditional manipulation of request headers, use matchers`;
    }
    resp.require ??= { headers: {} };
    resp.require.headers ??= {};
    const name = field.slice(1);
    resp.require.headers[name] = null;
    headerSet((resp.set ??= {}), name, value);
  } else if (replacement !== undefined) {
    if (field.startsWith('>') && resp) resp.deferred = true;
    const name = field.replace(/^[+\-?>]+/, '');
    ((ops.replace ??= {})[name] ??= []).push({ search_regexp: value, replace: replacement });
  } else if (field.startsWith('>')) {
    headerSet((ops.set ??= {}), field.slice(1), value);
    if (resp) resp.deferred = true;
  } else {
    headerSet((ops.set ??= {}), field, value);
  }
  return undefined;
}

/** The request-side form (Caddy's exported CaddyfileHeaderOp): no `?`, no deferral. */
export function caddyfileHeaderOp(ops: HeaderOps, field: string, value: string, replacement?: string): string | undefined {
  return applyHeaderOp(ops, undefined, field, value, replacement);
}

/** True if no operation was recorded. */
export function isEmptyHeaderOps(ops: RespHeaderOps | HeaderOps): boolean {
  return Object.values(ops).every((v) => v === undefined);
}

/** Key order as Caddy's structs marshal them: add, set, delete, replace, require, deferred. */
export function orderedHeaderOps(ops: RespHeaderOps): RespHeaderOps {
  const out: RespHeaderOps = {};
  for (const k of ['add', 'set', 'delete', 'replace', 'require', 'deferred'] as const) {
    if (ops[k] !== undefined) (out as Record<string, unknown>)[k] = ops[k];
  }
  return out;
}
