import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';

/**
 * Syntax:
 *
 *     acme_eab {
 *         key_id  <key_id>
 *         mac_key <mac_key>
 *     }
 *
 * The value is the ACME issuer's "external_account" object.
 */
registerGlobalOption('acme_eab', (d: Dispenser) => {
  const eab: Record<string, string> = {};
  d.next();
  if (d.nextArg()) throw d.argErr();
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    switch (d.val()) {
      case 'key_id':
        if (!d.nextArg()) throw d.argErr();
        eab.key_id = d.val();
        break;
      case 'mac_key':
        if (!d.nextArg()) throw d.argErr();
        eab.mac_key = d.val();
        break;
      default:
        throw d.err(`unrecognized parameter '${d.val()}'`);
    }
  }
  return eab;
});
