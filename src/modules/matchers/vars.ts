/**
 * vars (Caddy's VarsMatcher): one of the keys has one of its values. A key
 * written as a single placeholder (`{http.request.uri.path}`) is looked up
 * in the replacer; any other key names a variable (set by the vars or map
 * handlers). Values may hold placeholders; the variable's own value is
 * compared as it is (never expanded, so user input cannot reach {env.*}).
 * An empty config matches everything.
 */
import { toGoString } from '../../go/fmt.js';
import { matcherModule } from '../../core/registry.js';
import { compileTemplate } from '../../core/replacer.js';
import type { Ctx, Matcher } from '../../core/types.js';
import { HandlerError } from '../../core/types.js';
import { decodeVarsMatcher, type KeyValues } from './config.js';

/** How vars and vars_regexp read a key: a lone placeholder, or a variable name. */
export function varReader(key: string): (ctx: Ctx) => string {
  const lone = key.startsWith('{') && key.endsWith('}') && key.split('{').length === 2;
  const name = lone ? key.replace(/^[{}]+|[{}]+$/g, '') : key;
  return (ctx) => {
    const v = lone ? ctx.repl.get(name) : ctx.vars.get(name);
    // An error stored in a variable fails the request, as MatchWithError does.
    if (v instanceof Error) throw v instanceof HandlerError ? v : new HandlerError(500, v.message, v);
    return toGoString(v);
  };
}

function provision(config: KeyValues[]): Matcher {
  const entries = config.map(({ key, values }) => ({ read: varReader(key), values: values.map((v) => compileTemplate(v, 'empty')) }));
  if (entries.length === 0) return () => true;
  return (ctx) => {
    for (const { read, values } of entries) {
      const actual = read(ctx);
      for (const v of values) if (v(ctx.repl) === actual) return true;
    }
    return false;
  };
}

export const varsMatcher = matcherModule('vars', { decode: decodeVarsMatcher, provision });
