/**
 * request_header [<matcher>] [+|-]<field> [<value|regexp>] [<replacement>]
 *
 * One operation per directive on the request headers.
 */
import { caddyfileHeaderOp, orderedHeaderOps, type HeaderOps } from './caddyfile_ops.js';
import { directive } from '../../adapt/registry.js';
import type { HeadersConfig } from './config.js';

export const requestHeaderDirective = directive('request_header', (h) => {
  h.next(); // directive name
  const matcherSet = h.extractMatcherSet();
  h.next(); // the name again: matcher extraction rewinds

  if (!h.nextArg()) throw h.argErr();
  // Users often write `Field:` as in a raw HTTP message or a curl command.
  const field = h.val().replace(/:$/, '');
  const value = h.nextArg() ? h.val() : '';
  let replacement: string | undefined;
  if (h.nextArg()) {
    replacement = h.val();
    if (h.nextArg()) throw h.argErr();
  }
  const ops: HeaderOps = {};
  const err = caddyfileHeaderOp(ops, field, value, replacement);
  if (err) throw h.err(err);
  const out: HeadersConfig = { handler: 'headers', request: orderedHeaderOps(ops) };
  return h.newRoute(matcherSet, out);
});
