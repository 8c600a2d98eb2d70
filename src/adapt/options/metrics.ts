import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';
import type { JSONObject } from '../types.js';

/**
 * Syntax:
 *
 *     metrics {
 *         per_host
 *     }
 *
 * The value is the HTTP app's "metrics" object (metrics are on once the
 * option is present).
 */
registerGlobalOption('metrics', (d: Dispenser) => {
  d.next();
  if (d.nextArg()) throw d.argErr();
  const m: JSONObject = {};
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    const sub = d.val();
    if (sub !== 'per_host' && sub !== 'otlp') throw d.err(`unrecognized servers option '${sub}'`);
    if (d.nextArg()) throw d.argErr();
    m[sub] = true;
  }
  return m;
});
