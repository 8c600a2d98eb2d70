/**
 * invoke [<matcher>] <route_name>
 *
 * Runs the named route `&(route_name)`; the server gets that route in its
 * `named_routes`.
 */
import { handlerDirective } from '../../adapt/registry.js';
import type { InvokeConfig } from './config.js';

/** State key under which invoked names are collected for the site's pile. */
const NAMED_ROUTE_KEY = 'named_route';

export const invokeDirective = handlerDirective('invoke', (h): InvokeConfig => {
  h.next(); // directive name
  if (!h.nextArg()) throw h.argErr();
  const name = h.val();
  if (h.next() || h.nextBlock(0)) throw h.argErr();
  let names = h.state[NAMED_ROUTE_KEY] as Set<string> | undefined;
  if (!names) h.state[NAMED_ROUTE_KEY] = names = new Set();
  names.add(name);
  return { handler: 'invoke', name };
});
