import type { JSONObject } from '../types.js';
import { genericModule, registerFallback, registerModule } from './modules.js';

// Certificate managers (tls.get_certificate.*), on-demand permission modules
// (tls.permission.*) and storage modules (caddy.storage.*).

/** `http <url>` or `http { url <url> }`: get certificates from an HTTP endpoint. */
registerModule('tls.get_certificate.http', (d) => {
  d.next();
  const out: JSONObject = {};
  if (d.nextArg()) out.url = d.val();
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    if (d.val() !== 'url') throw d.err(`unrecognized subdirective: ${d.val()}`);
    if (out.url) throw d.err('URL already specified');
    if (!d.nextArg()) throw d.argErr();
    out.url = d.val();
  }
  if (!out.url) throw d.err('missing URL');
  return out;
});

registerModule('tls.get_certificate.tailscale', (d) => {
  d.next();
  if (d.nextArg()) throw d.argErr();
  return {};
});

/** `http <endpoint>` or `http { endpoint <url> }`: ask an endpoint whether on-demand TLS may proceed. */
registerModule('tls.permission.http', (d) => {
  d.next();
  const out: JSONObject = {};
  if (d.nextArg()) out.endpoint = d.val();
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    if (d.val() !== 'endpoint') throw d.err(`unrecognized subdirective: ${d.val()}`);
    if (!d.nextArg()) throw d.argErr();
    out.endpoint = d.val();
  }
  if (!out.endpoint) throw d.argErr();
  return out;
});
registerFallback('tls.permission', (d) => genericModule(d));

/** `file_system <root>` or `file_system { root <path> }`. */
registerModule('caddy.storage.file_system', (d) => {
  d.next();
  const out: JSONObject = {};
  if (d.nextArg()) out.root = d.val();
  if (d.nextArg()) throw d.argErr();
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    if (d.val() !== 'root') throw d.err(`invalid parameter '${d.val()}'`);
    if (out.root) throw d.err('storage root already set');
    if (!d.nextArg()) throw d.argErr();
    out.root = d.val();
    if (d.nextArg()) throw d.argErr();
  }
  if (!out.root) throw d.err('missing storage root path');
  return out;
});
// Other storage backends (redis, consul, s3...) keep their options as written.
registerFallback('caddy.storage', (d) => genericModule(d));
