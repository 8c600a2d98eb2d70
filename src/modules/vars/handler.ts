/**
 * vars (Caddy's VarsMiddleware): sets request variables ({http.vars.*}, the
 * vars matcher). Every field but `handler` is a variable; names and string
 * values may hold placeholders, other JSON values are stored as they are.
 */
import { handlerModule } from '../../core/registry.js';
import { compileTemplate, type Template } from '../../core/replacer.js';
import type { Handler } from '../../core/types.js';
import { decodeVars } from './config.js';

function provision(vars: Array<[name: string, value: unknown]>): Handler {
  const entries = vars.map(([key, value]): [Template, Template | null, unknown] => [compileTemplate(key, 'empty'), typeof value === 'string' ? compileTemplate(value, 'empty') : null, value]);
  return (ctx, next) => {
    for (const [key, tpl, value] of entries) ctx.vars.set(key(ctx.repl), tpl === null ? value : tpl(ctx.repl));
    return next();
  };
}

export const varsHandler = handlerModule('vars', { decode: decodeVars, provision });
