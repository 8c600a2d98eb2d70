/**
 * Load-balancing selection policies (`lb_policy <name> [<args>] { fallback <policy> }`)
 * as Caddy's reverseproxy/selectionpolicies.go parses them, registered as guest
 * modules `http.reverse_proxy.selection_policies.<name>`.
 */
import type { Dispenser } from '../../caddyfile/dispenser.js';
import { moduleObject } from '../../go/json.js';
import { registerModule, unmarshalModule } from '../../adapt/tls/modules.js';
import type { JSONObject } from '../../adapt/types.js';
import { atoi, parseCaddyDuration } from '../../go/units.js';
import type { SelectionPolicyConfig } from './config.js';

const NS = 'http.reverse_proxy.selection_policies';

/** Parses the policy named by the current token into `{"policy": name, ...}`. */
export function parseSelectionPolicy(d: Dispenser): SelectionPolicyConfig {
  const name = d.val();
  return moduleObject(unmarshalModule(d, `${NS}.${name}`), 'policy', name) as SelectionPolicyConfig;
}

/** Policies that take no options at all. */
function noArgs(d: Dispenser): JSONObject {
  d.next();
  if (d.nextArg()) throw d.argErr();
  return {};
}

for (const name of ['random', 'least_conn', 'round_robin', 'first', 'ip_hash', 'client_ip_hash', 'uri_hash']) {
  registerModule(`${NS}.${name}`, noArgs);
}

registerModule(`${NS}.weighted_round_robin`, (d) => {
  d.next();
  const args = d.remainingArgs();
  if (args.length === 0) throw d.argErr();
  const weights: number[] = [];
  for (const w of args) {
    let n: number;
    try {
      n = atoi(w);
    } catch (e) {
      throw d.err(`invalid weight value '${w}': ${(e as Error).message}`);
    }
    if (n < 0) throw d.err(`invalid weight value '${w}': weight should be non-negative`);
    weights.push(n);
  }
  return { weights };
});

registerModule(`${NS}.random_choose`, (d) => {
  d.next();
  if (!d.nextArg()) throw d.argErr();
  const s = d.val();
  let choose: number;
  try {
    choose = atoi(s);
  } catch (e) {
    throw d.err(`invalid choice value '${s}': ${(e as Error).message}`);
  }
  return choose !== 0 ? { choose } : {};
});

/** The `fallback <policy>` block line shared by the hashing policies. */
function parseFallback(d: Dispenser, out: JSONObject): void {
  if (!d.nextArg()) throw d.argErr();
  if (out.fallback !== undefined) throw d.err('fallback selection policy already specified');
  out.fallback = parseSelectionPolicy(d);
}

/** `query <key>` and `header <field>`: one required argument plus an optional fallback. */
function keyedPolicy(key: 'key' | 'field') {
  return (d: Dispenser): JSONObject => {
    d.next();
    if (!d.nextArg()) throw d.argErr();
    const out: JSONObject = {};
    if (d.val() !== '') out[key] = d.val();
    while (d.nextBlock(0)) {
      if (d.val() === 'fallback') parseFallback(d, out);
      else throw d.err(`unrecognized option '${d.val()}'`);
    }
    return out;
  };
}

registerModule(`${NS}.query`, keyedPolicy('key'));
registerModule(`${NS}.header`, keyedPolicy('field'));

registerModule(`${NS}.cookie`, (d) => {
  // Caddy reads the policy name itself as the first of these arguments.
  const args = d.remainingArgs();
  if (args.length < 1 || args.length > 3) throw d.argErr();
  const out: JSONObject = {};
  if (args.length >= 2 && args[1] !== '') out.name = args[1];
  if (args.length === 3 && args[2] !== '') out.secret = args[2];
  while (d.nextBlock(0)) {
    switch (d.val()) {
      case 'fallback':
        parseFallback(d, out);
        break;
      case 'max_age': {
        if (!d.nextArg()) throw d.argErr();
        if (out.max_age !== undefined) throw d.err('cookie max_age already specified');
        let maxAge: number;
        try {
          maxAge = parseCaddyDuration(d.val());
        } catch {
          throw d.err(`invalid duration: ${d.val()}`);
        }
        if (maxAge <= 0) throw d.err(`invalid duration: ${d.val()}, max_age should be non-zero and positive`);
        if (d.nextArg()) throw d.argErr();
        out.max_age = maxAge;
        break;
      }
      default:
        throw d.err(`unrecognized option '${d.val()}'`);
    }
  }
  return out;
});
