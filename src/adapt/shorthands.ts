/**
 * Placeholder shorthands: `{host}` is easier to write than
 * `{http.request.host}`, so the adapter rewrites every token of every site
 * block (and named route) before directives see them, exactly as Caddy's
 * httpcaddyfile/shorthands.go does. Directives therefore only ever see the
 * long forms.
 */
import type { Token } from '../caddyfile/token.js';

/** Shorthand → full placeholder, in Caddy's order. */
export const PLACEHOLDER_SHORTHANDS: ReadonlyArray<readonly [string, string]> = [
  ['{host}', '{http.request.host}'],
  ['{hostport}', '{http.request.hostport}'],
  ['{port}', '{http.request.port}'],
  ['{orig_method}', '{http.request.orig_method}'],
  ['{orig_uri}', '{http.request.orig_uri}'],
  ['{orig_path}', '{http.request.orig_uri.path}'],
  ['{orig_dir}', '{http.request.orig_uri.path.dir}'],
  ['{orig_file}', '{http.request.orig_uri.path.file}'],
  ['{orig_query}', '{http.request.orig_uri.query}'],
  ['{orig_?query}', '{http.request.orig_uri.prefixed_query}'],
  ['{method}', '{http.request.method}'],
  ['{uri}', '{http.request.uri}'],
  ['{%uri}', '{http.request.uri_escaped}'],
  ['{path}', '{http.request.uri.path}'],
  ['{%path}', '{http.request.uri.path_escaped}'],
  ['{dir}', '{http.request.uri.path.dir}'],
  ['{file}', '{http.request.uri.path.file}'],
  ['{query}', '{http.request.uri.query}'],
  ['{%query}', '{http.request.uri.query_escaped}'],
  ['{?query}', '{http.request.uri.prefixed_query}'],
  ['{remote}', '{http.request.remote}'],
  ['{remote_host}', '{http.request.remote.host}'],
  ['{remote_port}', '{http.request.remote.port}'],
  ['{scheme}', '{http.request.scheme}'],
  ['{uuid}', '{http.request.uuid}'],
  ['{tls_cipher}', '{http.request.tls.cipher_suite}'],
  ['{tls_version}', '{http.request.tls.version}'],
  ['{tls_client_fingerprint}', '{http.request.tls.client.fingerprint}'],
  ['{tls_client_issuer}', '{http.request.tls.client.issuer}'],
  ['{tls_client_serial}', '{http.request.tls.client.serial}'],
  ['{tls_client_subject}', '{http.request.tls.client.subject}'],
  ['{tls_client_certificate_pem}', '{http.request.tls.client.certificate_pem}'],
  ['{tls_client_certificate_der_base64}', '{http.request.tls.client.certificate_der_base64}'],
  ['{upstream_hostport}', '{http.reverse_proxy.upstream.hostport}'],
  ['{client_ip}', '{http.vars.client_ip}'],
];

const simple = new Map(PLACEHOLDER_SHORTHANDS.map(([k, v]) => [k, v]));
// Every simple shorthand is `{` + [a-z0-9_?%]+ + `}`, so one scan finds them all;
// no shorthand is a prefix of another, so the first match at a position is the only one.
const simpleRe = /\{[a-z0-9_?%]+\}/g;

/** Shorthands with a user-chosen last part, applied after the simple ones, in this order. */
const parameterized: ReadonlyArray<readonly [RegExp, string]> = [
  [/\{header\.([\w-]*)\}/g, '{http.request.header.$1}'],
  [/\{cookie\.([\w-]*)\}/g, '{http.request.cookie.$1}'],
  [/\{labels\.([\w-]*)\}/g, '{http.request.host.labels.$1}'],
  [/\{path\.([\w-]*)\}/g, '{http.request.uri.path.$1}'],
  [/\{file\.([\w-]*)\}/g, '{http.request.uri.path.file.$1}'],
  [/\{query\.([\w-]*)\}/g, '{http.request.uri.query.$1}'],
  [/\{re\.([\w.-]*)\}/g, '{http.regexp.$1}'],
  [/\{vars\.([\w-]*)\}/g, '{http.vars.$1}'],
  [/\{rp\.([\w.-]*)\}/g, '{http.reverse_proxy.$1}'],
  [/\{resp\.([\w.-]*)\}/g, '{http.intercept.$1}'],
  [/\{err\.([\w.-]*)\}/g, '{http.error.$1}'],
  [/\{file_match\.([\w-]*)\}/g, '{http.matchers.file.$1}'],
];

/** Expands every placeholder shorthand in one string. */
export function expandShorthands(text: string): string {
  // Cheap exit: most tokens have no placeholder at all.
  if (!text.includes('{')) return text;
  let out = text.replace(simpleRe, (m) => simple.get(m) ?? m);
  for (const [re, repl] of parameterized) out = out.replace(re, repl);
  return out;
}

/** Rewrites the tokens of a segment in place (tokens are per-adaptation copies). */
export function applyShorthandsToSegment(segment: Token[]): void {
  for (let i = 0; i < segment.length; i++) {
    const t = segment[i]!;
    const text = expandShorthands(t.text);
    if (text !== t.text) segment[i] = { ...t, text };
  }
}

/**
 * If `token` is the expansion of a shorthand, returns that shorthand (for
 * error messages, e.g. a `map` destination that would clash with one).
 */
export function wasReplacedPlaceholderShorthand(token: string): string {
  // Go's strings.Trim(token, "{}"): either brace, from either end.
  const bare = token.replace(/^[{}]+|[{}]+$/g, '');
  for (const [short, full] of PLACEHOLDER_SHORTHANDS) {
    if (full.slice(1, -1) === bare) return short;
  }
  return '';
}
