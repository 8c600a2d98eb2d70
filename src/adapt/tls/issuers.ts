import type { Dispenser } from '../../caddyfile/dispenser.js';
import { atoi, parseCaddyDuration } from '../../go/units.js';
import type { JSONObject } from '../types.js';
import { parsePreferredChains } from './chains.js';
import { parseDNSProvider } from './dnsproviders.js';
import { registerModule } from './modules.js';

/** Caddy's ZeroSSL ACME endpoint, used as the second default issuer when an email is known. */
export const ZEROSSL_ACME_CA = 'https://acme.zerossl.com/v2/DV90';

/** caddytls.DefaultIssuers: Let's Encrypt, plus ZeroSSL's ACME endpoint when there is an email. */
export function defaultIssuers(email: string | undefined): JSONObject[] {
  const issuers: JSONObject[] = [{ module: 'acme' }];
  if (email && email.trim() !== '') issuers.push({ module: 'acme', ca: ZEROSSL_ACME_CA, email });
  return issuers;
}

/** Sub-options that configure a DNS challenge (shared by the tls directive, acme and zerossl issuers). */
export const DNS_CHALLENGE_OPTIONS = new Set([
  'propagation_delay',
  'propagation_timeout',
  'resolvers',
  'dns_ttl',
  'dns_challenge_override_domain',
]);

/**
 * Applies one DNS challenge sub-option at the current token to a
 * DNSChallengeConfig JSON object.
 */
export function applyDNSChallengeOption(d: Dispenser, dns: JSONObject): void {
  const opt = d.val();
  switch (opt) {
    case 'resolvers': {
      const args = d.remainingArgs();
      if (args.length === 0) throw d.argErr();
      dns.resolvers = args;
      return;
    }
    case 'dns_challenge_override_domain': {
      const args = d.remainingArgs();
      if (args.length !== 1) throw d.argErr();
      dns.override_domain = args[0];
      return;
    }
  }
  const args = d.remainingArgs();
  if (args.length !== 1) throw d.argErr();
  const s = args[0]!;
  let ns: number;
  if (opt === 'propagation_timeout' && s === '-1') ns = -1;
  else {
    try {
      ns = parseCaddyDuration(s);
    } catch (e) {
      throw d.err(`invalid ${opt} duration ${s}: ${(e as Error).message}`);
    }
  }
  const key = opt === 'dns_ttl' ? 'ttl' : opt;
  dns[key] = ns;
}

function challenges(iss: JSONObject): JSONObject {
  return (iss.challenges ??= {});
}
function dnsChallenge(iss: JSONObject): JSONObject {
  return (challenges(iss).dns ??= {});
}

/**
 * Syntax:
 *
 *     acme [<directory_url>] {
 *         dir <directory_url>
 *         test_dir <test_directory_url>
 *         email <email>
 *         profile <name>
 *         timeout <duration>
 *         lifetime <duration>
 *         disable_http_challenge
 *         disable_tlsalpn_challenge
 *         alt_http_port <port>
 *         alt_tlsalpn_port <port>
 *         eab <key_id> <mac_key>
 *         trusted_roots <pem_files...>
 *         dns [<provider_name> [<options>]]
 *         propagation_delay <duration>
 *         propagation_timeout <duration>
 *         resolvers <dns_servers...>
 *         dns_ttl <duration>
 *         dns_challenge_override_domain <domain>
 *         preferred_chains [smallest] { root_common_name|any_common_name <names...> }
 *     }
 */
export function parseACMEIssuer(d: Dispenser): JSONObject {
  d.next();
  const iss: JSONObject = { module: 'acme' };
  if (d.nextArg()) {
    iss.ca = d.val();
    if (d.nextArg()) throw d.argErr();
  }
  const one = (): string => {
    const a = d.allArgs(1);
    if (!a) throw d.argErr();
    return a[0]!;
  };
  const port = (): number => {
    if (!d.nextArg()) throw d.argErr();
    try {
      return atoi(d.val());
    } catch (e) {
      throw d.err(`invalid port ${d.val()}: ${(e as Error).message}`);
    }
  };
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    const opt = d.val();
    switch (opt) {
      case 'lifetime': {
        const s = one();
        let ns: number;
        try {
          ns = parseCaddyDuration(s);
        } catch (e) {
          throw d.err(`invalid lifetime ${s}: ${(e as Error).message}`);
        }
        if (ns < 0) throw d.err(`lifetime must be >= 0: ${s}`);
        iss.certificate_lifetime = ns;
        break;
      }
      case 'dir':
        if (iss.ca) throw d.err(`directory is already specified: ${iss.ca}`);
        iss.ca = one();
        break;
      case 'test_dir':
        iss.test_ca = one();
        break;
      case 'email':
        iss.email = one();
        break;
      case 'profile':
        iss.profile = one();
        break;
      case 'timeout': {
        const s = one();
        try {
          iss.acme_timeout = parseCaddyDuration(s);
        } catch (e) {
          throw d.err(`invalid timeout duration ${s}: ${(e as Error).message}`);
        }
        break;
      }
      case 'disable_http_challenge':
        if (d.nextArg()) throw d.argErr();
        (challenges(iss).http ??= {}).disabled = true;
        break;
      case 'disable_tlsalpn_challenge':
        if (d.nextArg()) throw d.argErr();
        (challenges(iss)['tls-alpn'] ??= {}).disabled = true;
        break;
      case 'alt_http_port':
        (challenges(iss).http ??= {}).alternate_port = port();
        break;
      case 'alt_tlsalpn_port':
        (challenges(iss)['tls-alpn'] ??= {}).alternate_port = port();
        break;
      case 'eab': {
        const a = d.allArgs(2);
        if (!a) throw d.argErr();
        iss.external_account = { key_id: a[0], mac_key: a[1] };
        break;
      }
      case 'trusted_roots':
        iss.trusted_roots_pem_files = d.remainingArgs();
        break;
      case 'dns': {
        const dns = dnsChallenge(iss);
        if (d.nextArg()) dns.provider = parseDNSProvider(d);
        break;
      }
      case 'preferred_chains':
        iss.preferred_chains = parsePreferredChains(d);
        break;
      default:
        if (DNS_CHALLENGE_OPTIONS.has(opt)) {
          applyDNSChallengeOption(d, dnsChallenge(iss));
          break;
        }
        throw d.err(`unrecognized ACME issuer property: ${opt}`);
    }
  }
  return iss;
}

/**
 * Syntax:
 *
 *     internal {
 *         ca       <name>
 *         lifetime <duration>
 *         sign_with_root
 *     }
 */
export function parseInternalIssuer(d: Dispenser): JSONObject {
  d.next();
  const iss: JSONObject = { module: 'internal' };
  if (d.nextArg()) throw d.argErr();
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    switch (d.val()) {
      case 'ca': {
        const a = d.allArgs(1);
        if (!a) throw d.argErr();
        iss.ca = a[0];
        break;
      }
      case 'lifetime': {
        const a = d.allArgs(1);
        if (!a) throw d.argErr();
        try {
          iss.lifetime = parseCaddyDuration(a[0]!);
        } catch (e) {
          throw d.err((e as Error).message);
        }
        break;
      }
      case 'sign_with_root':
        if (d.nextArg()) throw d.argErr();
        iss.sign_with_root = true;
        break;
      default:
        throw d.err(`unrecognized subdirective '${d.val()}'`);
    }
  }
  return iss;
}

/**
 * The ZeroSSL API issuer. Syntax:
 *
 *     zerossl <api_key> {
 *         validity_days <days>
 *         alt_http_port <port>
 *         dns <provider_name> ...
 *         propagation_delay <duration>
 *         propagation_timeout <duration>
 *         resolvers <list...>
 *         dns_ttl <duration>
 *     }
 */
export function parseZeroSSLIssuer(d: Dispenser): JSONObject {
  d.next();
  const iss: JSONObject = { module: 'zerossl' };
  if (!d.nextArg()) throw d.argErr();
  iss.api_key = d.val();
  if (d.nextArg()) throw d.argErr();
  const cname = (): JSONObject => (iss.cname_validation ??= {});
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    const opt = d.val();
    switch (opt) {
      case 'validity_days': {
        if (!d.nextArg()) throw d.argErr();
        try {
          iss.validity_days = atoi(d.val());
        } catch (e) {
          throw d.err(`invalid number of days ${d.val()}: ${(e as Error).message}`);
        }
        break;
      }
      case 'alt_http_port': {
        if (!d.nextArg()) throw d.argErr();
        try {
          iss.alt_http_port = atoi(d.val());
        } catch (e) {
          throw d.err(`invalid port ${d.val()}: ${(e as Error).message}`);
        }
        break;
      }
      case 'dns':
        if (!d.nextArg()) throw d.argErr();
        cname().provider = parseDNSProvider(d);
        break;
      default:
        if (DNS_CHALLENGE_OPTIONS.has(opt) && opt !== 'dns_challenge_override_domain') {
          applyDNSChallengeOption(d, cname());
          break;
        }
        throw d.err(`unrecognized zerossl issuer property: ${opt}`);
    }
  }
  return iss;
}

registerModule('tls.issuance.acme', parseACMEIssuer);
registerModule('tls.issuance.internal', parseInternalIssuer);
registerModule('tls.issuance.zerossl', parseZeroSSLIssuer);
