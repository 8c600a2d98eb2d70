import type { Dispenser } from '../../caddyfile/dispenser.js';
import { directives, registerGlobalOption } from '../registry.js';

/** One `order` option: where to put a directive in the handler order. */
export interface OrderRule {
  directive: string;
  position: 'first' | 'last' | 'before' | 'after';
  /** The other directive, for `before` and `after`. */
  relativeTo?: string;
}

/**
 * `order <directive> first|last|[before|after <directive>]`. The value is the
 * list of rules in the order written; applyOrder() turns them into the new
 * directive order.
 */
export function parseOptOrder(d: Dispenser, existing: unknown): OrderRule[] {
  const rules = Array.isArray(existing) ? [...(existing as OrderRule[])] : [];
  d.next();
  if (!d.nextArg()) throw d.argErr();
  const directive = d.val();
  if (!directives.has(directive)) throw d.err(`${directive} is not a registered directive`);
  if (!d.nextArg()) throw d.argErr();
  const pos = d.val();
  if (pos === 'first' || pos === 'last') {
    if (d.nextArg()) throw d.argErr();
    rules.push({ directive, position: pos });
    return rules;
  }
  if (pos !== 'before' && pos !== 'after') throw d.err(`unknown positional '${pos}'`);
  if (!d.nextArg()) throw d.argErr();
  const relativeTo = d.val();
  if (d.nextArg()) throw d.argErr();
  rules.push({ directive, position: pos, relativeTo });
  return rules;
}

/**
 * Applies order rules to a directive order (Caddy's parseOptOrder semantics):
 * the directive is removed from where it was, then inserted. Throws an Error
 * naming a `before`/`after` target that is not in the order.
 */
export function applyOrder(order: readonly string[], rules: readonly OrderRule[]): string[] {
  let out = [...order];
  for (const r of rules) {
    out = out.filter((x) => x !== r.directive);
    switch (r.position) {
      case 'first':
        out.unshift(r.directive);
        break;
      case 'last':
        out.push(r.directive);
        break;
      default: {
        const i = out.indexOf(r.relativeTo!);
        if (i < 0) throw new Error(`directive '${r.relativeTo}' not found`);
        out.splice(r.position === 'after' ? i + 1 : i, 0, r.directive);
      }
    }
  }
  return out;
}

registerGlobalOption('order', parseOptOrder);
