import type { Dispenser } from '../../caddyfile/dispenser.js';
import type { JSONObject } from '../types.js';
import { genericModule, registerFallback, registerModule, unmarshalModule } from './modules.js';

// DNS provider modules (dns.providers.*). Caddy ships none; each libdns
// provider plugin has its own options. tsweb knows the argument of the
// common token-based ones and keeps the rest as `key value` pairs.

/** Caddy's test-only provider: `mock [<argument>]`. */
registerModule('dns.providers.mock', (d) => {
  d.next();
  const out: JSONObject = {};
  if (d.nextArg()) out.argument = d.val();
  if (d.nextArg()) throw d.argErr();
  return out;
});

for (const [name, key] of [
  ['cloudflare', 'api_token'],
  ['digitalocean', 'auth_token'],
  ['hetzner', 'api_token'],
  ['duckdns', 'api_token'],
  ['porkbun', 'api_key'],
  ['gandi', 'bearer_token'],
  ['desec', 'token'],
  ['netlify', 'personal_access_token'],
  ['vultr', 'api_token'],
  ['linode', 'api_token'],
] as const) {
  registerModule(`dns.providers.${name}`, (d) => genericModule(d, key));
}

registerFallback('dns.providers', (d) => genericModule(d, 'api_token'));

/**
 * Parses `<provider_name> [<args...>] [{...}]` at the current token into the
 * provider object `{"name": ..., ...}` (Caddy's JSONModuleObject with "name").
 */
export function parseDNSProvider(d: Dispenser): JSONObject {
  const name = d.val();
  const prov = unmarshalModule(d, `dns.providers.${name}`);
  return { name, ...prov };
}
