/**
 * Matcher sets, as Caddy's routes use them: a route's `match` is a list of
 * sets, ORed; inside a set (an object keyed by matcher name) the matchers
 * are ANDed. No list, or an empty one, matches every request; so does an
 * empty set.
 *
 * `compileMatcherSets` takes the function that provisions one matcher, so
 * the engine can pass its own (with its error chain); `registryMatcher`
 * provisions straight from the registry.
 */
import { matcherModules, type JSONObject, type ProvisionEnv } from '../../core/registry.js';
import type { Matcher } from '../../core/types.js';

export type ProvisionOne = (name: string, config: unknown) => Matcher;

const matchAll: Matcher = () => true;

/** Every matcher must match (short-circuits in order). */
export function allOf(matchers: readonly Matcher[]): Matcher {
  switch (matchers.length) {
    case 0:
      return matchAll;
    case 1:
      return matchers[0]!;
    case 2: {
      const [a, b] = matchers as [Matcher, Matcher];
      return (ctx) => a(ctx) && b(ctx);
    }
    default:
      return (ctx) => {
        for (const m of matchers) if (!m(ctx)) return false;
        return true;
      };
  }
}

/** Any matcher may match (short-circuits in order); none at all matches everything. */
export function anyOf(matchers: readonly Matcher[]): Matcher {
  switch (matchers.length) {
    case 0:
      return matchAll;
    case 1:
      return matchers[0]!;
    default:
      return (ctx) => {
        for (const m of matchers) if (m(ctx)) return true;
        return false;
      };
  }
}

import { isObject as isObj } from '../../go/json.js';

/** One matcher set: its matchers ANDed, in the order the JSON lists them. */
export function compileMatcherSet(set: unknown, provision: ProvisionOne): Matcher {
  if (!isObj(set)) throw new Error('a matcher set must be an object keyed by matcher name');
  return allOf(Object.keys(set).filter((name) => name !== '@id').map((name) => provision(name, set[name])));
}

/** A route's `match`: sets ORed; undefined/null/[] match everything. */
export function compileMatcherSets(sets: unknown, provision: ProvisionOne): Matcher {
  if (sets === undefined || sets === null) return matchAll;
  if (!Array.isArray(sets)) throw new Error('"match" must be an array of matcher sets');
  return anyOf(sets.map((s) => compileMatcherSet(s, provision)));
}

/** Provisions a matcher from the registry, with Caddy's message for unknown names. */
export function registryMatcher(env: ProvisionEnv): ProvisionOne {
  return (name, config) => {
    const mod = matcherModules.get(name);
    if (!mod) throw new Error(`loading matcher modules: module name '${name}': unknown module: http.matchers.${name}`);
    return mod.provision(mod.decode(config), env);
  };
}
