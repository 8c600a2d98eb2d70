/**
 * method: the request's current method is one of the list (exact,
 * case-sensitive, as Caddy compares).
 */
import { matcherModule } from '../../core/registry.js';
import type { Matcher } from '../../core/types.js';
import { decodeMethod } from './config.js';

function provision(list: string[]): Matcher {
  const methods = new Set(list);
  return (ctx) => methods.has(ctx.method);
}

export const methodMatcher = matcherModule('method', { decode: decodeMethod, provision });
