import { orderKeys } from '../../go/json.js';
import type { Helper } from '../helper.js';
import { registerDirective } from '../registry.js';
import { parseFloat64 } from '../../go/units.js';
import { adaptationState } from '../tls/adaptstate.js';
import { parseClientAuth } from '../tls/clientauth.js';
import { CONNECTION_POLICY_KEYS, SUPPORTED_CIPHER_SUITES, SUPPORTED_CURVES, SUPPORTED_PROTOCOLS } from '../tls/constants.js';
import { parseDNSProvider } from '../tls/dnsproviders.js';
import { applyDNSChallengeOption, defaultIssuers, DNS_CHALLENGE_OPTIONS } from '../tls/issuers.js';
import '../tls/issuers.js';
import '../tls/managers.js';
import { unmarshalModule } from '../tls/modules.js';
import type { ConfigValue, JSONObject } from '../types.js';

/**
 * The `tls` directive (Caddy's parseTLS). Syntax:
 *
 *     tls [<email>|internal|force_automate]|[<cert_file> <key_file>] {
 *         protocols <min> [<max>]
 *         ciphers   <cipher_suites...>
 *         curves    <curves...>
 *         client_auth { ... }
 *         alpn      <values...>
 *         load      <paths...>
 *         ca        <acme_ca_endpoint>
 *         ca_root   <pem_file>
 *         key_type  ed25519|p256|p384|rsa2048|rsa4096
 *         dns       [<provider_name> [...]]
 *         propagation_delay <duration>
 *         propagation_timeout <duration>
 *         resolvers <dns_servers...>
 *         dns_ttl   <duration>
 *         dns_challenge_override_domain <domain>
 *         on_demand
 *         reuse_private_keys
 *         force_automate
 *         eab       <key_id> <mac_key>
 *         issuer    <module_name> [...]
 *         get_certificate <module_name> [...]
 *         insecure_secrets_log <log_file>
 *         renewal_window_ratio <ratio>
 *     }
 *
 * Produces the 'tls.*' config values the TLS app builder reads, plus always
 * one 'tls.connection_policy' so that TLS is enabled for the site.
 */
export function parseTLS(h: Helper): ConfigValue[] {
  h.next();
  const cp: JSONObject = {};
  const fileLoader: JSONObject[] = [];
  const folderLoader: string[] = [];
  const anyTag: string[] = [];
  let acmeIssuer: JSONObject | undefined;
  let internalIssuer: JSONObject | undefined;
  const issuers: JSONObject[] = [];
  const certManagers: JSONObject[] = [];
  let keyType = '';
  let onDemand = false;
  let reusePrivateKeys = false;
  let forceAutomate = false;
  let renewalWindowRatio: number | undefined;
  const dnsOptionsSet: string[] = [];
  let dnsProviderSet = false;

  const acme = (): JSONObject => (acmeIssuer ??= { module: 'acme' });
  const dnsCfg = (): JSONObject => ((acme().challenges ??= {}).dns ??= {});

  const firstLine = h.remainingArgs();
  switch (firstLine.length) {
    case 0:
      break;
    case 1: {
      const a = firstLine[0]!;
      if (a === 'internal') internalIssuer = { module: 'internal' };
      else if (a === 'force_automate') forceAutomate = true;
      else if (!a.includes('@')) throw h.err("single argument must either be 'internal', 'force_automate', or an email address");
      else acmeIssuer = { module: 'acme', email: a };
      break;
    }
    case 2: {
      // Tag the certificate so this site's connection policy picks exactly
      // it (caddy#2588), loading each file once so its tag is stable (#3004).
      const [certFile, keyFile] = firstLine as [string, string];
      const tags = adaptationState(h.shared).certTags;
      let tag = tags.get(certFile);
      if (tag === undefined) {
        tag = `cert${tags.size}`;
        fileLoader.push({ certificate: certFile, key: keyFile, tags: [tag] });
        tags.set(certFile, tag);
      }
      anyTag.push(tag);
      break;
    }
    default:
      throw h.argErr();
  }

  let hasBlock = false;
  for (const n = h.getNesting(); h.nextBlock(n); ) {
    hasBlock = true;
    const sub = h.val();
    switch (sub) {
      case 'protocols': {
        const args = h.remainingArgs();
        if (args.length === 0) throw h.err('protocols requires one or two arguments');
        for (const p of args.slice(0, 2)) {
          if (!SUPPORTED_PROTOCOLS.has(p)) throw h.err(`wrong protocol name or protocol not supported: '${p}'`);
        }
        cp.protocol_min = args[0];
        if (args.length > 1) cp.protocol_max = args[1];
        break;
      }
      case 'ciphers':
        while (h.nextArg()) {
          if (!SUPPORTED_CIPHER_SUITES.has(h.val())) {
            throw h.err(`wrong cipher suite name or cipher suite not supported: '${h.val()}'`);
          }
          (cp.cipher_suites ??= []).push(h.val());
        }
        break;
      case 'curves':
        while (h.nextArg()) {
          if (!SUPPORTED_CURVES.has(h.val())) throw h.err(`Wrong curve name or curve not supported: '${h.val()}'`);
          (cp.curves ??= []).push(h.val());
        }
        break;
      case 'client_auth':
        cp.client_authentication = parseClientAuth(h.newFromNextSegment());
        break;
      case 'alpn': {
        const args = h.remainingArgs();
        if (args.length === 0) throw h.argErr();
        cp.alpn = args;
        break;
      }
      case 'load':
        folderLoader.push(...h.remainingArgs());
        break;
      case 'ca': {
        const a = h.remainingArgs();
        if (a.length !== 1) throw h.argErr();
        acme().ca = a[0];
        break;
      }
      case 'key_type': {
        const a = h.remainingArgs();
        if (a.length !== 1) throw h.argErr();
        keyType = a[0]!;
        break;
      }
      case 'eab': {
        const a = h.remainingArgs();
        if (a.length !== 2) throw h.argErr();
        acme().external_account = { key_id: a[0], mac_key: a[1] };
        break;
      }
      case 'issuer': {
        if (!h.nextArg()) throw h.argErr();
        const name = h.val();
        issuers.push({ module: name, ...unmarshalModule(h, `tls.issuance.${name}`) });
        break;
      }
      case 'get_certificate': {
        if (!h.nextArg()) throw h.argErr();
        const name = h.val();
        certManagers.push({ via: name, ...unmarshalModule(h, `tls.get_certificate.${name}`) });
        break;
      }
      case 'dns': {
        const dns = dnsCfg();
        if (h.nextArg()) {
          dns.provider = parseDNSProvider(h);
          dnsProviderSet = true;
        } else if (h.option('dns') === undefined) {
          throw h.err("the 'dns' subdirective needs a provider name unless a global 'dns' provider is configured");
        } else {
          dnsProviderSet = true;
        }
        break;
      }
      case 'ca_root': {
        const a = h.remainingArgs();
        if (a.length !== 1) throw h.argErr();
        (acme().trusted_roots_pem_files ??= []).push(a[0]);
        break;
      }
      case 'on_demand':
        if (h.nextArg()) throw h.argErr();
        onDemand = true;
        break;
      case 'reuse_private_keys':
        if (h.nextArg()) throw h.argErr();
        reusePrivateKeys = true;
        break;
      case 'force_automate':
        if (h.nextArg()) throw h.argErr();
        forceAutomate = true;
        break;
      case 'insecure_secrets_log':
        if (!h.nextArg()) throw h.argErr();
        cp.insecure_secrets_log = h.val();
        break;
      case 'renewal_window_ratio': {
        const a = h.remainingArgs();
        if (a.length !== 1) throw h.argErr();
        let r: number;
        try {
          r = parseFloat64(a[0]!);
        } catch (e) {
          throw h.err(`parsing renewal_window_ratio: ${(e as Error).message}`);
        }
        if (!(r > 0 && r < 1)) throw h.err(`renewal_window_ratio must be between 0 and 1 (exclusive), got ${a[0]}`);
        renewalWindowRatio = r;
        break;
      }
      default:
        if (DNS_CHALLENGE_OPTIONS.has(sub)) {
          if (sub !== 'resolvers') dnsOptionsSet.push(sub);
          applyDNSChallengeOption(h, dnsCfg());
          break;
        }
        throw h.err(`unknown subdirective: ${sub}`);
    }
  }

  // DNS challenge tuning without any DNS provider would silently do nothing.
  if (dnsOptionsSet.length > 0 && !dnsProviderSet && h.option('acme_dns') === undefined && h.option('dns') === undefined) {
    throw h.err(
      `setting DNS challenge options [${dnsOptionsSet.join(', ')}] requires a DNS provider (set with the 'dns' subdirective or 'acme_dns' global option)`,
    );
  }

  // a naked tls directive is not allowed
  if (firstLine.length === 0 && !hasBlock) throw h.argErr();

  const vals: ConfigValue[] = [];
  if (fileLoader.length > 0) vals.push({ class: 'tls.cert_loader', value: { load_files: fileLoader } });
  if (folderLoader.length > 0) vals.push({ class: 'tls.cert_loader', value: { load_folders: folderLoader } });

  if (issuers.length > 0 && (acmeIssuer || internalIssuer)) {
    throw h.err(
      'cannot mix issuer subdirective (explicit issuers) with other issuer-specific subdirectives (implicit issuers)',
    );
  }
  if (acmeIssuer && internalIssuer) throw h.err('cannot create both ACME and internal certificate issuers');

  if (issuers.length > 0) {
    for (const iss of issuers) vals.push({ class: 'tls.cert_issuer', value: iss });
  } else if (acmeIssuer) {
    // The implicit ACME settings apply to every default issuer, each keeping
    // its own CA; an explicit `ca` replaces the defaults.
    const defaults = acmeIssuer.ca ? [acmeIssuer] : defaultIssuers(acmeIssuer.email as string | undefined);
    for (const def of defaults) {
      const iss = structuredClone(acmeIssuer);
      if (def.ca === undefined) delete iss.ca;
      else iss.ca = def.ca;
      vals.push({ class: 'tls.cert_issuer', value: iss });
    }
  } else if (internalIssuer) {
    vals.push({ class: 'tls.cert_issuer', value: internalIssuer });
  }

  if (keyType !== '') vals.push({ class: 'tls.key_type', value: keyType });
  if (onDemand) vals.push({ class: 'tls.on_demand', value: true });
  for (const m of certManagers) vals.push({ class: 'tls.cert_manager', value: m });
  if (reusePrivateKeys) vals.push({ class: 'tls.reuse_private_keys', value: true });
  if (forceAutomate) vals.push({ class: 'tls.force_automate', value: true });
  if (renewalWindowRatio !== undefined) vals.push({ class: 'tls.renewal_window_ratio', value: renewalWindowRatio });

  if (anyTag.length > 0) cp.certificate_selection = { any_tag: anyTag };
  vals.push({ class: 'tls.connection_policy', value: orderKeys(cp, CONNECTION_POLICY_KEYS) });
  return vals;
}

registerDirective('tls', parseTLS);
