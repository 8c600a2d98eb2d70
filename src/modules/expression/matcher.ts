/**
 * expression (Caddy's MatchExpression): a CEL expression over the request,
 * compiled once at load (compile.ts). An evaluation error is logged as
 * Caddy logs it and, as in newer Caddy's MatchWithError, fails the request
 * into the error routes (500) instead of passing as a non-match.
 */
import { silentLog } from '../../core/log.js';
import { matcherModules, matcherModule, type ProvisionEnv } from '../../core/registry.js';
import { HandlerError, type Ctx, type Matcher } from '../../core/types.js';
import { REQ } from './cel.js';
import { compileExpression } from './compile.js';
import { decodeExpression, type ExpressionConfig } from './config.js';
import { publicNames } from './empty_calls.js';

function provision(config: ExpressionConfig, env: ProvisionEnv): Matcher {
  const program = compileExpression(config.expr, {
    name: config.name,
    provision(module, json) {
      const mod = matcherModules.get(module);
      if (mod === undefined) throw new Error(`unknown module: http.matchers.${module}`);
      return mod.provision(mod.decode(json), env);
    },
  });
  const log = env.log ?? silentLog;
  // One activation reused: evaluation is synchronous, so no two requests share it at once.
  const activation: { [REQ]: Ctx | null } = { [REQ]: null };
  return (ctx) => {
    activation[REQ] = ctx;
    try {
      return program(activation) === true;
    } catch (err) {
      const cause = err instanceof HandlerError ? err : err instanceof Error && err.cause instanceof HandlerError ? err.cause : null;
      if (cause !== null) throw cause;
      // The library's messages repeat the source with a caret; the log line wants cel-go's one-line form.
      const summary = err instanceof Error ? (err as Error & { summary?: unknown }).summary : undefined;
      const message = publicNames(typeof summary === 'string' ? summary : err instanceof Error ? err.message : String(err));
      log('error', 'http.matchers.expression', 'evaluating expression', { error: message });
      throw new HandlerError(500, message, err);
    } finally {
      activation[REQ] = null;
    }
  };
}

export const expressionMatcher = matcherModule('expression', { decode: decodeExpression, provision });
