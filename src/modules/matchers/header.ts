/**
 * header (Caddy's MatchHeader): every listed field must match. A field
 * matches when any of its request values equals any configured value, where
 * `*` alone is any value and a `*` at the start, end or both makes a suffix,
 * prefix or substring match. `null` means the field must be absent, `[]`
 * that it must be present. Values may hold placeholders. The Host field is
 * the request's host (Go keeps it out of the header map).
 */
import { headerValues, requestHostport } from '../../core/placeholders/request.js';
import { matcherModule } from '../../core/registry.js';
import { compileTemplate, hasPlaceholders } from '../../core/replacer.js';
import type { Ctx, Matcher } from '../../core/types.js';
import { decodeHeader, type HeaderField } from './config.js';

type ValueTest = (actual: string, ctx: Ctx) => boolean;

/** matchHeaders' comparison for one configured value. */
export function valueTest(allowed: string): (actual: string) => boolean {
  if (allowed === '*') return () => true;
  if (allowed.length >= 2 && allowed.startsWith('*') && allowed.endsWith('*')) {
    const mid = allowed.slice(1, -1);
    return (a) => a.includes(mid);
  }
  if (allowed.startsWith('*')) {
    const suffix = allowed.slice(1);
    return (a) => a.endsWith(suffix);
  }
  if (allowed.endsWith('*')) {
    const prefix = allowed.slice(0, -1);
    return (a) => a.startsWith(prefix);
  }
  return (a) => a === allowed;
}

function compileValue(allowed: string): ValueTest {
  if (!hasPlaceholders(allowed)) {
    const t = valueTest(allowed);
    return (a) => t(a);
  }
  const tpl = compileTemplate(allowed, 'empty');
  return (a, ctx) => valueTest(tpl(ctx.repl))(a);
}

/** The values of a field as Caddy's getHeaderFieldVals sees them; Host is r.Host. */
export function fieldValues(ctx: Ctx, lowerName: string): string[] | null {
  if (lowerName === 'host') {
    const h = requestHostport(ctx);
    if (h !== '') return [h];
  }
  const v = headerValues(ctx.req, lowerName);
  return v.length === 0 ? null : v;
}

function provision(config: HeaderField[]): Matcher {
  const fields = config.map(({ name, values }) => ({ name, tests: values === null ? null : values.map(compileValue) }));
  return (ctx) => {
    for (const { name, tests } of fields) {
      const actual = fieldValues(ctx, name);
      if (tests === null) {
        if (actual === null) continue;
        return false;
      }
      if (tests.length === 0) {
        if (actual !== null) continue;
        return false;
      }
      let matched = false;
      if (actual !== null) {
        outer: for (const a of actual) {
          for (const t of tests) {
            if (t(a, ctx)) {
              matched = true;
              break outer;
            }
          }
        }
      }
      if (!matched) return false;
    }
    return true;
  };
}

export const headerMatcher = matcherModule('header', { decode: decodeHeader, provision });
