import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';
import type { JSONObject } from '../types.js';
import { AppOption } from './app.js';

/**
 * Syntax:
 *
 *     events {
 *         on <event> <handler> [<args...>]
 *     }
 *
 * The value is the "events" app. The `exec` handler (a popular plugin) takes
 * a command and its arguments; other handlers keep their arguments as `args`.
 */
registerGlobalOption('events', (d: Dispenser, existing: unknown) => {
  const subs: JSONObject[] = existing instanceof AppOption ? [...(existing.value.subscriptions as JSONObject[])] : [];
  d.next();
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    if (d.val() !== 'on') throw d.err(`unrecognized subdirective: ${d.val()}`);
    if (!d.nextArg()) throw d.argErr();
    const event = d.val();
    if (!d.nextArg()) throw d.argErr();
    const handlerName = d.val();
    const args = d.remainingArgs();
    const handler: JSONObject = { handler: handlerName };
    if (handlerName === 'exec') {
      if (args.length === 0) throw d.argErr();
      handler.command = args[0];
      if (args.length > 1) handler.args = args.slice(1);
    } else if (args.length > 0) {
      handler.args = args;
    }
    subs.push({ events: [event], handlers: [handler] });
  }
  return new AppOption('events', { subscriptions: subs });
});
