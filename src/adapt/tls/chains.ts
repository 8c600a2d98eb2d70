import type { Dispenser } from '../../caddyfile/dispenser.js';
import type { JSONObject } from '../types.js';

/**
 * `preferred_chains [smallest] { root_common_name <names...> | any_common_name <names...> }`
 * (caddytls.ParseCaddyfilePreferredChainsOptions). The dispenser is on the
 * option name.
 */
export function parsePreferredChains(d: Dispenser): JSONObject {
  const pref: JSONObject = {};
  if (d.nextArg()) {
    if (d.val() !== 'smallest') throw d.err(`Invalid argument '${d.val()}'`);
    pref.smallest = true;
    if (d.nextArg()) throw d.argErr();
    if (d.nextBlock(d.getNesting())) throw d.err("No more options are accepted when using the 'smallest' option");
  }
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    switch (d.val()) {
      case 'root_common_name': {
        const names = d.remainingArgs();
        if (names.length === 0) throw d.argErr();
        if (pref.any_common_name) throw d.err("Can't set root_common_name when any_common_name is already set");
        pref.root_common_name = names;
        break;
      }
      case 'any_common_name': {
        const names = d.remainingArgs();
        if (names.length === 0) throw d.argErr();
        if (pref.root_common_name) throw d.err("Can't set any_common_name when root_common_name is already set");
        pref.any_common_name = names;
        break;
      }
      default:
        throw d.err(`Received unrecognized parameter '${d.val()}'`);
    }
  }
  if (Object.keys(pref).length === 0) throw d.err('No options for preferred_chains received');
  return pref;
}
