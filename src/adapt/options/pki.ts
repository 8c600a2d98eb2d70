import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';
import type { JSONObject } from '../types.js';
import { parseCaddyDuration } from '../../go/units.js';

/** The CA Caddy uses when none is named (caddypki.DefaultCAID). */
export const DEFAULT_CA_ID = 'local';

function keyPair(d: Dispenser, what: string): JSONObject {
  const kp: JSONObject = {};
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    const sub = d.val();
    const key = { cert: 'certificate', key: 'private_key', format: 'format' }[sub];
    if (!key) throw d.err(`unrecognized pki ca ${what} option '${sub}'`);
    if (!d.nextArg()) throw d.argErr();
    kp[key] = d.val();
  }
  const out: JSONObject = {};
  for (const k of ['certificate', 'private_key', 'format']) if (kp[k] !== undefined) out[k] = kp[k];
  return out;
}

/**
 * Syntax:
 *
 *     pki {
 *         ca [<id>] {
 *             name                  <name>
 *             root_cn               <name>
 *             intermediate_cn       <name>
 *             intermediate_lifetime <duration>
 *             root         { cert <path>  key <path>  format <format> }
 *             intermediate { cert <path>  key <path>  format <format> }
 *         }
 *     }
 *
 * The value is the PKI app config: `{"certificate_authorities": {<id>: {...}}}`.
 */
registerGlobalOption('pki', (d: Dispenser, existing: unknown) => {
  const cas: Record<string, JSONObject> = {
    ...(((existing as JSONObject | undefined)?.certificate_authorities as Record<string, JSONObject>) ?? {}),
  };
  d.next();
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    if (d.val() !== 'ca') throw d.err(`unrecognized pki option '${d.val()}'`);
    let id = DEFAULT_CA_ID;
    if (d.nextArg()) {
      id = d.val();
      if (d.nextArg()) throw d.argErr();
    }
    const ca: JSONObject = {};
    for (const m = d.getNesting(); d.nextBlock(m); ) {
      const sub = d.val();
      switch (sub) {
        case 'name':
        case 'root_cn':
        case 'intermediate_cn': {
          if (!d.nextArg()) throw d.argErr();
          const key = { name: 'name', root_cn: 'root_common_name', intermediate_cn: 'intermediate_common_name' }[sub];
          ca[key] = d.val();
          break;
        }
        case 'intermediate_lifetime':
          if (!d.nextArg()) throw d.argErr();
          try {
            ca.intermediate_lifetime = parseCaddyDuration(d.val());
          } catch (e) {
            throw d.err((e as Error).message);
          }
          break;
        case 'root':
          ca.root = keyPair(d, 'root');
          break;
        case 'intermediate':
          ca.intermediate = keyPair(d, 'intermediate');
          break;
        default:
          throw d.err(`unrecognized pki ca option '${sub}'`);
      }
    }
    cas[id] = ca;
  }
  return { certificate_authorities: cas };
});
