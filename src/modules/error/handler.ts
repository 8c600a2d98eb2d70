/**
 * error (Caddy's StaticError; the `error` directive): fails the request
 * with a status (500 by default) and a message, which the error routes see
 * as {http.error.status_code} and {http.error.message}.
 */
import { handlerModule } from '../../core/registry.js';
import { compileTemplate } from '../../core/replacer.js';
import { type Handler, HandlerError } from '../../core/types.js';
import { decodeError, type StaticError } from './config.js';

function provision(config: StaticError): Handler {
  const { status } = config;
  // Current Caddy replaces known placeholders in the message (2.6.2 did not).
  const message = compileTemplate(config.message, 'keep');
  return async (ctx) => {
    // StaticError always wraps a Go error, so an empty message stays empty in {err.message}.
    const text = message(ctx.repl);
    throw new HandlerError(status === null ? 500 : status(ctx.repl), text, new Error(text));
  };
}

export const errorHandler = handlerModule('error', { decode: decodeError, provision });
