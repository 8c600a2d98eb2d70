/**
 * lb_retry_match (Caddy's LoadBalancing.RetryMatch): matcher sets, ORed.
 * After a failure past the dial, they say which requests may be tried again
 * (instead of the default: GET-like requests without a body), with
 * {rp.is_transport_error} true while they run. Sets holding an `expression`
 * are also evaluated on every upstream response, with {rp.status_code} and
 * {rp.header.*} set: a match discards the response and tries the next
 * upstream (not counted as a failure); when the tries run out, the client
 * gets that status, as Caddy's retryableResponseError.
 */
import type { IncomingMessage } from 'node:http';
import type { JSONObject, ProvisionEnv } from '../../core/registry.js';
import type { Ctx, Matcher } from '../../core/types.js';
import { HandlerError } from '../../core/types.js';
import { type EngineLog, silentLog } from '../../core/log.js';

export interface RetryMatch {
  /** Every set: may a request whose attempt failed after connecting be retried? */
  request: Matcher;
  /** The sets with an expression, run on each response; null when there are none. */
  response: Matcher | null;
}

/** The upstream answered, and its answer matched lb_retry_match. */
export class RetryableResponse extends HandlerError {
  constructor(status: number) {
    super(status, `upstream response matched retry_match (status ${status})`);
  }
}

/**
 * An expression that fails to evaluate (the CEL matcher throws) does not
 * allow a retry: Caddy logs "error matching request for retry" and gives up.
 */
function noRetryOnError(m: Matcher, log: EngineLog): Matcher {
  return (ctx) => {
    try {
      return m(ctx);
    } catch (err) {
      log('error', 'http.handlers.reverse_proxy', 'error matching request for retry', { error: (err as Error).message });
      return false;
    }
  };
}

const TRANSPORT_ERROR = 'http.reverse_proxy.is_transport_error';

function allOf(ms: Matcher[]): Matcher {
  return (ctx) => ms.every((m) => m(ctx));
}
function anyOf(ms: Matcher[]): Matcher {
  return (ctx) => ms.some((m) => m(ctx));
}

export function compileRetryMatch(sets: readonly JSONObject[], env: ProvisionEnv): RetryMatch | null {
  if (sets.length === 0) return null;
  const one = (name: string, config: unknown): Matcher => env.compileMatcherSets([{ [name]: config } as JSONObject]);
  const all: Matcher[] = [];
  const withExpression: Matcher[] = [];
  for (const set of sets) {
    const ms: Matcher[] = [];
    let expression = false;
    for (const [name, config] of Object.entries(set)) {
      if (name === 'expression') {
        expression = true;
        ms.push(noRetryOnError(one(name, config), env.log ?? silentLog));
      } else {
        ms.push(one(name, config));
      }
    }
    const m = allOf(ms);
    all.push(m);
    if (expression) withExpression.push(m);
  }
  return { request: anyOf(all), response: withExpression.length > 0 ? anyOf(withExpression) : null };
}

/** On a transport error: whether lb_retry_match allows another try. */
export function retryAllowed(match: RetryMatch, ctx: Ctx): boolean {
  ctx.repl.set(TRANSPORT_ERROR, true);
  try {
    return match.request(ctx);
  } finally {
    ctx.repl.delete(TRANSPORT_ERROR);
  }
}

/** Throws RetryableResponse (dropping the body) when the response matches; the status placeholders are already set. */
export function checkResponse(match: Matcher, ctx: Ctx, res: IncomingMessage): void {
  if (!match(ctx)) return;
  res.destroy();
  throw new RetryableResponse(res.statusCode ?? 502);
}
