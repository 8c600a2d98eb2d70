/**
 * forward_auth [<matcher>] [<upstreams...>] {
 *     uri          <to>
 *     copy_headers <fields...> | { <fields...> }
 *     <any other reverse_proxy subdirectives...>
 * }
 *
 * Sugar for a reverse_proxy that asks an auth gateway about every request
 * (Caddy's forwardauth/caddyfile.go): the request goes out as `GET <uri>`
 * with X-Forwarded-Method/Uri; a 2xx answer lets handling continue after
 * copying the listed response headers onto the request (`A>B` renames),
 * anything else is sent back to the client as is.
 */
import { canonicalHeaderKey, type HeaderOps } from '../headers/caddyfile_ops.js';
import { deleteN } from '../reverse_proxy/caddyfile_deleten.js';
import { parseReverseProxy } from '../reverse_proxy/caddyfile.js';
import { directive } from '../../adapt/registry.js';
import type { JSONObject, RouteJSON } from '../../adapt/types.js';
import type { ProxyRewriteConfig, ResponseHandlerConfig } from '../reverse_proxy/config.js';

export const forwardAuthDirective = directive('forward_auth', (h) => {
  if (!h.next()) throw h.argErr();
  const userMatcherSet = h.extractMatcherSet();
  const d = h.newFromNextSegment();

  const requestHeaders: HeaderOps = {
    set: { 'X-Forwarded-Method': ['{http.request.method}'], 'X-Forwarded-Uri': ['{http.request.uri}'] },
  };
  // GET never carries the body upstream, so later handlers can still read it.
  const rewrite: ProxyRewriteConfig = { method: 'GET' };
  const headersToCopy = new Map<string, string>();

  // Take out forward_auth's own subdirectives; reverse_proxy would reject them.
  while (d.next()) {
    while (d.nextBlock(0)) {
      // Only direct subdirectives, not same-named lines inside nested blocks.
      if (d.getNesting() !== 1) continue;
      const sub = d.val();
      if (sub === 'uri') {
        if (!d.nextArg()) throw d.argErr();
        const uri = d.val();
        if (rewrite.uri) throw d.err(`cannot have duplicate uri: ${uri}`);
        rewrite.uri = uri;
        deleteN(d, 2);
      } else if (sub === 'copy_headers') {
        const args = d.remainingArgs();
        let hadBlock = false;
        for (const n = d.getNesting(); d.nextBlock(n); ) {
          hadBlock = true;
          args.push(d.val());
        }
        deleteN(d, args.length + 1);
        if (hadBlock) deleteN(d, 2);
        for (const field of args) {
          if (field.includes('>')) {
            const parts = field.split('>');
            headersToCopy.set(parts[0]!, parts[1]!);
          } else {
            headersToCopy.set(field, field);
          }
        }
        if (headersToCopy.size === 0) throw d.argErr();
      }
    }
  }
  d.reset();
  if (!rewrite.uri) throw d.err("the 'uri' subdirective is required");

  // On 2xx, copy the headers and let handling continue; the vars handler keeps
  // the route list non-empty so the response handler is not skipped.
  const routes: JSONObject[] = [{ handle: [{ handler: 'vars' }] }];
  for (const from of [...headersToCopy.keys()].sort()) {
    const to = canonicalHeaderKey(headersToCopy.get(from)!);
    const placeholder = `{http.reverse_proxy.header.${canonicalHeaderKey(from)}}`;
    // Drop what the client sent first: if the gateway does not return the
    // header, a client-supplied value must not reach the backend.
    routes.push({ handle: [{ handler: 'headers', request: { delete: [to] } }] });
    routes.push({
      match: [{ not: [{ vars: { [placeholder]: [''] } }] }],
      handle: [{ handler: 'headers', request: { set: { [to]: [placeholder] } } }],
    });
  }
  const goodResponse: ResponseHandlerConfig = { match: { status_code: [2] }, routes };

  const handler = parseReverseProxy(h, d, { requestHeaders, rewrite, handleResponse: [goodResponse] });
  const route: RouteJSON = {};
  if (userMatcherSet) route.match = [userMatcherSet];
  route.handle = [handler];
  return [{ class: 'route', value: route }];
});
