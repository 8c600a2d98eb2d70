/**
 * log_append (Caddy's caddyhttp/logging LogAppend): adds a field to the
 * request's access log line. It runs the rest of the chain first and adds
 * the field on the way back, so the value is the final one (a response
 * placeholder, a var set later). The value is a single placeholder, the
 * name of a var, or a literal, in Caddy's order of preference.
 */
import { handlerModule } from '../../core/registry.js';
import type { Ctx, Handler } from '../../core/types.js';
import { decodeLogAppend, type LogAppend } from './config.js';

const extras = new WeakMap<Ctx, Array<[string, unknown]>>();

/** Fields log_append added for this request, in order (none: undefined). */
export function extraFields(ctx: Ctx): ReadonlyArray<[string, unknown]> | undefined {
  return extras.get(ctx);
}

function add(ctx: Ctx, key: string, value: unknown): void {
  let list = extras.get(ctx);
  if (list === undefined) {
    list = [];
    extras.set(ctx, list);
  }
  list.push([key, value]);
}

function provision({ key, value }: LogAppend): Handler {
  const placeholder = value.startsWith('{') && value.endsWith('}') && value.split('{').length === 2 ? value.slice(1, -1) : null;
  const resolve = (ctx: Ctx): unknown => {
    if (placeholder !== null) return ctx.repl.get(placeholder) ?? null;
    if (ctx.vars.has(value)) return ctx.vars.get(value);
    return value;
  };
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      add(ctx, key, resolve(ctx));
    }
  };
}

export const logAppendHandler = handlerModule('log_append', { decode: decodeLogAppend, provision });
