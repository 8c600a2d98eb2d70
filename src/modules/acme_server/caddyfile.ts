/**
 * acme_server [<matcher>] {
 *     ca         <id>
 *     lifetime   <duration>
 *     resolvers  <addresses...>
 *     challenges <challenges...>
 *     allow_wildcard_names
 *     allow { domains <domains...>; ip_ranges <cidrs...> }
 *     deny  { domains <domains...>; ip_ranges <cidrs...> }
 *     sign_with_root
 * }
 *
 * Besides the route, a named `ca` yields a 'pki.ca' value so the PKI app
 * gets that CA even when the global options do not define it.
 */
import type { Helper } from '../../adapt/helper.js';
import { directive } from '../../adapt/registry.js';
import type { ConfigValue, JSONObject } from '../../adapt/types.js';
import { parseCaddyDuration } from '../../go/units.js';

export const acmeServerDirective = directive('acme_server', (h) => {
  h.next(); // directive name
  const matcherSet = h.extractMatcherSet();
  h.next(); // the name again: matcher extraction rewinds
  if (h.nextArg()) throw h.argErr();

  let ca: string | undefined;
  let lifetime: number | undefined;
  let resolvers: string[] | undefined;
  let challenges: string[] | undefined;
  let policy: JSONObject | undefined;
  let signWithRoot = false;

  while (h.nextBlock(0)) {
    switch (h.val()) {
      case 'ca': {
        const a = h.allArgs(1);
        if (!a) throw h.argErr();
        ca = a[0];
        break;
      }
      case 'lifetime': {
        if (!h.nextArg()) throw h.argErr();
        try {
          lifetime = parseCaddyDuration(h.val());
        } catch (e) {
          throw h.err((e as Error).message);
        }
        break;
      }
      case 'resolvers':
        resolvers = h.remainingArgs();
        if (resolvers.length === 0) throw h.err('must specify at least one resolver address');
        break;
      case 'challenges':
        challenges = [...(challenges ?? []), ...h.remainingArgs()];
        break;
      case 'allow_wildcard_names':
        (policy ??= {}).allow_wildcard_names = true;
        break;
      case 'allow':
      case 'deny': {
        const which = h.val();
        (policy ??= {})[which] = parseRuleSet(h, which);
        break;
      }
      case 'sign_with_root':
        if (h.nextArg()) throw h.argErr();
        signWithRoot = true;
        break;
      default:
        throw h.err(`unrecognized ACME server directive: ${h.val()}`);
    }
  }

  const handler: JSONObject = { handler: 'acme_server' };
  if (ca) handler.ca = ca;
  if (lifetime) handler.lifetime = lifetime;
  if (signWithRoot) handler.sign_with_root = true;
  if (resolvers) handler.resolvers = resolvers;
  if (challenges?.length) handler.challenges = challenges;
  if (policy) handler.policy = orderPolicy(policy);

  const out: ConfigValue[] = h.newRoute(matcherSet, handler as { handler: string });
  if (ca !== undefined) out.push({ class: 'pki.ca', value: { id: ca } });
  return out;
});

function parseRuleSet(h: Helper, which: string): JSONObject {
  const rules: JSONObject = {};
  for (const n = h.getNesting(); h.nextBlock(n); ) {
    const sub = h.val();
    const args = h.remainingArgs();
    if (args.length === 0) throw h.argErr();
    switch (sub) {
      case 'domains':
        rules.domains = [...(rules.domains ?? []), ...args];
        break;
      case 'ip_ranges':
        rules.ip_ranges = [...(rules.ip_ranges ?? []), ...args];
        break;
      default:
        throw h.err(`unrecognized '${which}' subdirective: ${sub}`);
    }
  }
  return rules;
}

function orderPolicy(p: JSONObject): JSONObject {
  const out: JSONObject = {};
  for (const k of ['allow', 'deny', 'allow_wildcard_names']) if (p[k] !== undefined) out[k] = p[k];
  return out;
}
