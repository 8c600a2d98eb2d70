/**
 * map [<matcher>] <source> <destinations...> {
 *     [~]<input> <outputs...>
 *     default    <defaults...>
 * }
 *
 * `~` makes the input a regular expression. Outputs keep their scalar type
 * when unquoted (`true`, `3`, `1.5`), `-` means "no value" (null), and
 * missing outputs are filled with null; missing defaults with "".
 */
import { registerHandlerDirective } from '../registry.js';
import type { JSONObject } from '../types.js';

/** Full names of the placeholders Caddyfile shorthands expand to (httpcaddyfile/shorthands.go). */
const shorthandExpansions: [string, string][] = [
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

/** The shorthand a (already expanded) destination came from, if it was one (Caddy's WasReplacedPlaceholderShorthand). */
function replacedShorthand(token: string): string | undefined {
  const bare = token.replace(/^[{}]+|[{}]+$/g, '');
  for (const [short, full] of shorthandExpansions) if (full.slice(1, -1) === bare) return short;
  return undefined;
}

registerHandlerDirective('map', (h) => {
  h.next(); // directive name
  if (!h.nextArg()) throw h.argErr();
  const source = h.val();
  const destinations = h.remainingArgs();
  if (destinations.length === 0) throw h.err('missing destination argument(s)');
  for (const dest of destinations) {
    const short = replacedShorthand(dest);
    if (short) throw h.err(`destination ${short} conflicts with a Caddy placeholder shorthand`);
  }

  let defaults: string[] | undefined;
  const mappings: JSONObject[] = [];
  while (h.nextBlock(0)) {
    if (h.val() === 'default') {
      if (defaults?.length) throw h.err('defaults already defined');
      defaults = h.remainingArgs();
      while (defaults.length < destinations.length) defaults.push('');
      continue;
    }
    const input = h.val();
    const outputs: unknown[] = [];
    while (h.nextArg()) {
      const v = h.scalarVal();
      outputs.push(v === '-' ? null : v);
    }
    if (outputs.length > destinations.length) throw h.err('too many outputs');
    while (outputs.length < destinations.length) outputs.push(null);
    mappings.push(input.startsWith('~') ? { input_regexp: input.slice(1), outputs } : { input, outputs });
  }

  const out: JSONObject = { handler: 'map', source, destinations };
  if (mappings.length) out.mappings = mappings;
  if (defaults?.length) out.defaults = defaults;
  return out as { handler: string };
});
