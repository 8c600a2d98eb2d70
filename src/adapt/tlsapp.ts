import { hostsFromKeys, httpPortOf, listenersUseAnyPortOtherThan } from './addresses.js';
import type { Pairing, SiteBlock } from './pairing.js';
import type { ConfigValue, JSONObject, Warning } from './types.js';
import type { OCSPConfig } from './options/ocsp_stapling.js';
import type { ECHOption } from './options/ech.js';
import { sortKeysDeep } from '../go/json.js';
import { defaultIssuers } from './tls/issuers.js';
import {
  matchWildcard,
  subjectIsInternal,
  subjectIsIP,
  subjectQualifiesForCert,
  subjectQualifiesForPublicCert as certmagicQualifiesForPublicCert,
} from './tls/subjects.js';

// Builds the "tls" and "pki" apps from the site blocks' 'tls.*' values and
// the global options, the way Caddy's httpcaddyfile/tlsapp.go does.

/** An automation policy (caddytls.AutomationPolicy JSON) during assembly. */
interface AP {
  subjects?: string[];
  issuers?: JSONObject[];
  get_certificate?: JSONObject[];
  must_staple?: boolean;
  renewal_window_ratio?: number;
  key_type?: string;
  storage?: JSONObject;
  on_demand?: boolean;
  reuse_private_keys?: boolean;
  disable_ocsp_stapling?: boolean;
  ocsp_overrides?: Record<string, string>;
}

const AP_KEYS: (keyof AP)[] = [
  'subjects',
  'issuers',
  'get_certificate',
  'must_staple',
  'renewal_window_ratio',
  'key_type',
  'storage',
  'on_demand',
  'reuse_private_keys',
  'disable_ocsp_stapling',
  'ocsp_overrides',
];

/** JSON equality of plain values, ignoring key order and undefined fields. */
function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeysDeep(a ?? null)) === JSON.stringify(sortKeysDeep(b ?? null));
}

function isEmptyish(v: unknown): boolean {
  return v === undefined || v === false || v === 0 || v === '' || (Array.isArray(v) && v.length === 0);
}

/** Go's reflect.DeepEqual on policies, where nil and empty are the same to omitempty. */
function apEqual(a: AP, b: AP, ignoreSubjects = false): boolean {
  for (const k of AP_KEYS) {
    if (ignoreSubjects && k === 'subjects') continue;
    const x = a[k];
    const y = b[k];
    if (isEmptyish(x) && isEmptyish(y)) continue;
    if (!same(x, y)) return false;
  }
  return true;
}

function apIsEmpty(ap: AP): boolean {
  return apEqual(ap, {}, true);
}

function isAllHTTP(sb: SiteBlock): boolean {
  return sb.keys.every((k) => k.scheme === 'http');
}

function hostsFromKeysNotHTTP(sb: SiteBlock, httpPort: string): string[] {
  const hosts = new Set<string>();
  for (const k of sb.keys) {
    if (k.host === '') continue;
    if (k.scheme !== 'http' && k.port !== httpPort) hosts.add(k.host);
  }
  return [...hosts];
}

function isTailscaleDomain(name: string): boolean {
  return name.toLowerCase().endsWith('.ts.net');
}

/**
 * Like certmagic's rule, but IPs never qualify, and names with several
 * wildcard labels are fine for on-demand policies (the name is known at
 * handshake time).
 */
function qualifiesForPublicCert(ap: AP, subj: string): boolean {
  return !subjectIsIP(subj) && !subjectIsInternal(subj) && (subj.split('*.').length - 1 < 2 || !!ap.on_demand);
}

function hasAllPublicNames(ap: AP): boolean {
  return !(ap.subjects ?? []).some((s) => !qualifiesForPublicCert(ap, s) || isTailscaleDomain(s));
}

function hostsCoveredByWildcard(hosts: string[], wildcards: string[]): boolean {
  if (hosts.length === 0 || wildcards.length === 0) return false;
  for (const host of hosts) {
    if (host.startsWith('*.')) continue;
    for (const w of wildcards) if (matchWildcard(host, `*.${w}`)) return true;
  }
  return false;
}

function pileValues(sb: SiteBlock, cls: string): ConfigValue[] {
  return sb.pile[cls] ?? [];
}

function autoHTTPSModes(options: Record<string, unknown>): string[] {
  const ah = options.auto_https;
  if (Array.isArray(ah)) return ah as string[];
  if (typeof ah === 'string') return [ah];
  return [];
}


/**
 * A policy from the global options (cert_issuer, local_certs, key_type,
 * ocsp_stapling, renewal_window_ratio and the ACME defaults); undefined when
 * none is set, unless `always`.
 */
function newBaseAutomationPolicy(options: Record<string, unknown>, always: boolean): AP | undefined {
  const has = (k: string) => k in options && options[k] !== undefined;
  const hasIssuers = has('cert_issuer');
  const hasLocalCerts = has('local_certs');
  const hasGlobalAutomationOpts =
    hasIssuers || hasLocalCerts || has('key_type') || has('ocsp_stapling') || has('renewal_window_ratio');
  const hasGlobalACMEDefaults =
    has('acme_ca') || has('acme_ca_root') || 'acme_dns' in options || has('acme_eab') || has('preferred_chains');
  if (!hasGlobalAutomationOpts && !hasGlobalACMEDefaults) return always ? {} : undefined;

  const ap: AP = {};
  if (has('key_type')) ap.key_type = options.key_type as string;
  if (hasIssuers && hasLocalCerts) {
    throw new Error(
      'global options are ambiguous: local_certs is confusing when combined with cert_issuer, because local_certs is also a specific kind of issuer',
    );
  }
  if (hasIssuers) ap.issuers = structuredClone(options.cert_issuer as JSONObject[]);
  else if (hasLocalCerts) ap.issuers = [{ module: 'internal' }];
  if (hasGlobalACMEDefaults) for (const iss of ap.issuers ?? []) fillInGlobalACMEDefaults(iss, options);
  if (has('ocsp_stapling')) {
    const ocsp = options.ocsp_stapling as OCSPConfig;
    if (ocsp.disable_stapling) ap.disable_ocsp_stapling = true;
    if (ocsp.responder_overrides) ap.ocsp_overrides = ocsp.responder_overrides;
  }
  if (has('renewal_window_ratio')) ap.renewal_window_ratio = options.renewal_window_ratio as number;
  return ap;
}

/** Fills global ACME settings into an ACME issuer, never overriding what it already has. */
function fillInGlobalACMEDefaults(iss: JSONObject, options: Record<string, unknown>): void {
  if (iss.module !== 'acme') return;
  const o = options;
  if (o.email !== undefined && !iss.email) iss.email = o.email;
  if (o.acme_ca !== undefined && !iss.ca) iss.ca = o.acme_ca;
  if (o.acme_ca_root !== undefined) {
    const roots = (iss.trusted_roots_pem_files ??= []) as string[];
    if (!roots.includes(o.acme_ca_root as string)) roots.push(o.acme_ca_root as string);
  }
  if ('acme_dns' in o) {
    const prov = o.acme_dns as JSONObject | null;
    const ch = (iss.challenges ??= {}) as JSONObject;
    if (prov) {
      if (!ch.dns?.provider) ch.dns = { ...(ch.dns ?? {}), provider: structuredClone(prov) };
    } else {
      // no provider named: the TLS app's global `dns` provider is used
      ch.dns ??= {};
    }
  }
  if (Array.isArray(o.tls_resolvers) && iss.challenges?.dns && !(iss.challenges.dns.resolvers?.length > 0)) {
    iss.challenges.dns.resolvers = [...(o.tls_resolvers as string[])];
  }
  if (o.acme_eab !== undefined && !iss.external_account) iss.external_account = structuredClone(o.acme_eab);
  if (o.preferred_chains !== undefined && !iss.preferred_chains) iss.preferred_chains = structuredClone(o.preferred_chains);
  if (typeof o.http_port === 'number' && !iss.challenges?.http?.alternate_port) {
    ((iss.challenges ??= {}).http ??= {}).alternate_port = o.http_port;
  }
  if (typeof o.https_port === 'number' && !iss.challenges?.['tls-alpn']?.alternate_port) {
    ((iss.challenges ??= {})['tls-alpn'] ??= {}).alternate_port = o.https_port;
  }
  if (o.cert_lifetime !== undefined && !iss.certificate_lifetime) iss.certificate_lifetime = o.cert_lifetime;
}

/**
 * Builds apps.tls from the pairings (after the server blocks were sorted
 * and mapped to listeners) and the global options. Returns undefined when
 * there is nothing to configure. Throws Error for conflicting settings.
 */
export function buildTLSApp(
  pairings: Pairing[],
  options: Record<string, unknown>,
  warnings: Warning[],
): JSONObject | undefined {
  void warnings;
  const httpPort = httpPortOf(options);
  const autoHTTPS = autoHTTPSModes(options);
  let policies: AP[] | undefined;
  const addPolicy = (ap: AP) => (policies ??= []).push(ap);
  const certLoaders: JSONObject[] = [];

  // Hosts sharing a block with a hostless key appear in no route matcher, so
  // auto-HTTPS would not see them; they are automated explicitly below.
  const sharedWithHostless = new Set<string>();
  if (!autoHTTPS.includes('off')) {
    for (const p of pairings) {
      for (const sb of p.serverBlocks) {
        const hostless = sb.keys.find((k) => k.host === '');
        if (!hostless) continue;
        for (const other of sb.keys) {
          if (other.original === hostless.original) continue;
          if (other.host !== '' && other.scheme !== 'http' && other.port !== httpPort) sharedWithHostless.add(other.host);
        }
      }
    }
  }

  let catchAllAP = newBaseAutomationPolicy(options, false);
  if (catchAllAP) addPolicy(catchAllAP);

  const wildcardHosts: string[] = [];
  const forcedAutomated = new Set<string>();
  for (const p of pairings) {
    if (!listenersUseAnyPortOtherThan(p.addresses, httpPort)) continue;
    for (const sb of p.serverBlocks) {
      for (const k of sb.keys) if (k.host.startsWith('*.')) wildcardHosts.push(k.host.slice(2));
    }
  }

  for (const p of pairings) {
    // no automation for HTTP-only servers
    if (!listenersUseAnyPortOtherThan(p.addresses, httpPort)) continue;
    for (const sb of p.serverBlocks) {
      if (isAllHTTP(sb)) continue;

      let ap = newBaseAutomationPolicy(options, true)!;
      const apCopy = newBaseAutomationPolicy(options, true)!;
      const sbHosts = hostsFromKeys(sb);
      if (sbHosts.length === 0 && catchAllAP) ap = catchAllAP;

      if (pileValues(sb, 'tls.on_demand').length > 0) ap.on_demand = true;
      if (pileValues(sb, 'tls.force_automate').length > 0) for (const h of sbHosts) forcedAutomated.add(h);
      if (pileValues(sb, 'tls.reuse_private_keys').length > 0) ap.reuse_private_keys = true;
      const keyTypes = pileValues(sb, 'tls.key_type');
      if (keyTypes.length > 0) ap.key_type = keyTypes[0]!.value as string;
      const ratios = pileValues(sb, 'tls.renewal_window_ratio');
      if (ratios.length > 0) ap.renewal_window_ratio = ratios[0]!.value as number;

      const issuerVals = pileValues(sb, 'tls.cert_issuer');
      if (issuerVals.length > 0) {
        const issuers = issuerVals.map((v) => structuredClone(v.value as JSONObject));
        if (ap === catchAllAP && !same(ap.issuers, issuers)) {
          // e.g. two `:443` blocks with different bind addresses, one with `tls { issuer ... }`
          throw new Error(
            `automation policy from site block is also default/catch-all policy because of key without hostname, and the two are in conflict: ${JSON.stringify(ap.issuers ?? null)} != ${JSON.stringify(issuers)}`,
          );
        }
        ap.issuers = issuers;
      }

      for (const m of pileValues(sb, 'tls.cert_manager')) {
        (ap.get_certificate ??= []).push(structuredClone(m.value as JSONObject));
      }

      // a custom bind address is also where ACME challenges are answered
      for (const bind of pileValues(sb, 'bind')) {
        const addrs = Array.isArray(bind.value) ? (bind.value as string[]) : ((bind.value as JSONObject)?.addresses ?? []);
        for (const iss of ap.issuers ?? []) {
          if (iss.module !== 'acme') continue;
          const ch = (iss.challenges ??= {});
          if (!ch.bind_host) ch.bind_host = addrs.length > 0 ? addrs[0] : '';
          if (ch.bind_host === '') delete ch.bind_host;
        }
      }

      // a block with a hostless key becomes the catch-all when there is none yet
      if (sbHosts.length === 0 && !catchAllAP) catchAllAP = ap;

      const hostsNotHTTP = hostsFromKeysNotHTTP(sb, httpPort).sort();

      // with prefer_wildcard, an unchanged policy covered by a wildcard is redundant
      if (autoHTTPS.includes('prefer_wildcard') && hostsCoveredByWildcard(hostsNotHTTP, wildcardHosts) && apEqual(ap, apCopy)) {
        continue;
      }

      ap.subjects = hostsNotHTTP;

      // Without explicit issuers, internal names get the internal issuer in
      // a policy of their own, so that public names can still use ACME.
      let ap2: AP | undefined;
      if (!ap.issuers || ap.issuers.length === 0) {
        const internal: string[] = [];
        const external: string[] = [];
        for (const s of ap.subjects) {
          // Tailscale names get a certificate manager, not an issuer
          if (isTailscaleDomain(s)) continue;
          if (!subjectQualifiesForCert(s)) throw new Error(`subject does not qualify for certificate: '${s}'`);
          if (qualifiesForPublicCert(ap, s)) external.push(s);
          else internal.push(s);
        }
        if (external.length > 0 && internal.length > 0) {
          ap.subjects = external;
          ap2 = { ...structuredClone(ap), subjects: internal, issuers: [{ module: 'internal' }] };
        }
      }

      addPolicy(ap);
      if (ap2) addPolicy(ap2);

      for (const cl of pileValues(sb, 'tls.cert_loader')) certLoaders.push(cl.value as JSONObject);
    }
  }

  const tlsApp: JSONObject = {};
  const certificates: JSONObject = {};

  // one loader per module; the tls directive yields one per use, so merge them
  for (const cl of certLoaders) {
    for (const [name, list] of Object.entries(cl)) {
      certificates[name] = [...((certificates[name] as unknown[]) ?? []), ...(list as unknown[])];
    }
  }

  const automation: JSONObject = {};
  if (options.on_demand_tls !== undefined) automation.on_demand = options.on_demand_tls;

  if (options.storage_check === 'off') tlsApp.disable_storage_check = true;
  if (options.storage_clean_interval === false) tlsApp.disable_storage_clean = true;
  if (typeof options.storage_clean_interval === 'number') automation.storage_clean_interval = options.storage_clean_interval;
  if (typeof options.renew_interval === 'number') automation.renew_interval = options.renew_interval;
  if (typeof options.ocsp_interval === 'number') automation.ocsp_interval = options.ocsp_interval;
  if (options.ocsp_stapling !== undefined && (options.ocsp_stapling as OCSPConfig).disable_stapling) {
    tlsApp.disable_ocsp_stapling = true;
  }

  // automate the names that share a block with a hostless key, plus forced ones
  const automate = new Set<string>();
  const internalAP: AP = { subjects: [], issuers: [{ module: 'internal' }] };
  if (!autoHTTPS.includes('off') && !autoHTTPS.includes('disable_certs')) {
    for (const h of sharedWithHostless) {
      automate.add(h);
      if (!certmagicQualifiesForPublicCert(h)) internalAP.subjects!.push(h);
    }
  }
  for (const n of forcedAutomated) automate.add(n);
  if (automate.size > 0) certificates.automate = [...automate].sort();
  if (internalAP.subjects!.length > 0) addPolicy(internalAP);

  // global ACME settings apply to every policy without issuers: public names
  // get the default issuers filled in (internal names get the internal
  // issuer implicitly at run time)
  if (policies || Object.keys(automation).length > 0) {
    const o = options;
    const hasGlobalACMEDefaults =
      o.email !== undefined ||
      o.acme_ca !== undefined ||
      o.acme_ca_root !== undefined ||
      'acme_dns' in o ||
      o.acme_eab !== undefined ||
      o.preferred_chains !== undefined;
    if (hasGlobalACMEDefaults) {
      for (const ap of policies ?? []) {
        if ((!ap.issuers || ap.issuers.length === 0) && hasAllPublicNames(ap)) {
          ap.issuers = o.acme_ca !== undefined ? [{ module: 'acme' }] : defaultIssuers(o.email as string | undefined);
        }
      }
    }
  }

  if (policies) {
    for (const ap of policies) for (const iss of ap.issuers ?? []) fillInGlobalACMEDefaults(iss, options);
    const consolidated = consolidateAutomationPolicies(policies);
    const seen = new Set<string>();
    for (const ap of consolidated) {
      for (const s of ap.subjects ?? []) {
        if (seen.has(s)) {
          throw new Error(`hostname appears in more than one automation policy, making certificate management ambiguous: ${s}`);
        }
        seen.add(s);
      }
    }
    if (consolidated.length > 0) automation.policies = consolidated.map(renderAP);
  }

  if (Object.keys(certificates).length > 0) tlsApp.certificates = sortKeysDeep(certificates);
  if (Object.keys(automation).length > 0) {
    const ordered: JSONObject = {};
    for (const k of ['policies', 'on_demand', 'ocsp_interval', 'renew_interval', 'storage_clean_interval']) {
      if (automation[k] !== undefined) ordered[k] = automation[k];
    }
    tlsApp.automation = ordered;
  }
  const ech = options.ech as ECHOption | undefined;
  if (ech) {
    const e: JSONObject = { configs: ech.public_names.map((n) => ({ public_name: n })) };
    if (ech.dns) e.publication = [{ publishers: { dns: { provider: ech.dns } } }];
    tlsApp.encrypted_client_hello = e;
  }
  if (options.dns !== undefined) tlsApp.dns = options.dns;
  if (Array.isArray(options.tls_resolvers)) tlsApp.resolvers = options.tls_resolvers;

  const order = [
    'certificates',
    'automation',
    'disable_ocsp_stapling',
    'disable_storage_check',
    'disable_storage_clean',
    'encrypted_client_hello',
    'dns',
    'resolvers',
  ];
  const out: JSONObject = {};
  for (const k of order) if (tlsApp[k] !== undefined) out[k] = tlsApp[k];
  return Object.keys(out).length > 0 ? out : undefined;
}

function renderAP(ap: AP): JSONObject {
  const out: JSONObject = {};
  for (const k of AP_KEYS) {
    const v = ap[k];
    if (isEmptyish(v)) continue;
    if (k === 'issuers' || k === 'get_certificate') out[k] = (v as JSONObject[]).map((x) => sortKeysDeep(x));
    else out[k] = v;
  }
  return out;
}

/** Are all of a's subjects covered by b's (a catch-all b covers everything)? */
function isSubset(a: AP, b: AP): boolean {
  const bs = b.subjects ?? [];
  const as = a.subjects ?? [];
  if (bs.length === 0) return true;
  if (as.length === 0) return false;
  return as.every((s) => bs.some((w) => matchWildcard(s, w)));
}

/** Index of the first later policy that covers aps[i]'s subjects, or -1. */
function shadows(i: number, aps: AP[]): number {
  for (let j = i + 1; j < aps.length; j++) if (isSubset(aps[i]!, aps[j]!)) return j;
  return -1;
}

/**
 * Merges policies that are the same, for a smaller config: sorts them from
 * most to least specific, drops redundant empty ones, and combines the
 * subjects of otherwise-identical policies (Caddy's
 * consolidateAutomationPolicies).
 */
export function consolidateAutomationPolicies(input: AP[]): AP[] {
  const aps = [...input];
  // Go's sort.SliceStable is an insertion sort at these sizes; the order
  // relation is not a strict weak order, so reproduce it exactly.
  const less = (a: AP, b: AP) => {
    if (isSubset(a, b)) return true;
    if (isSubset(b, a)) return false;
    return (a.subjects?.length ?? 0) > (b.subjects?.length ?? 0);
  };
  for (let i = 1; i < aps.length; i++) {
    for (let j = i; j > 0 && less(aps[j]!, aps[j - 1]!); j--) [aps[j], aps[j - 1]] = [aps[j - 1]!, aps[j]!];
  }

  // Empty policies (caddy#4128): internal names are better off without one
  // (auto-HTTPS gives them the internal issuer); if every policy is empty,
  // none is needed at all.
  const origLen = aps.length;
  let emptyCount = 0;
  for (let i = 0; i < aps.length; i++) {
    if (!apIsEmpty(aps[i]!)) continue;
    emptyCount++;
    if (!hasAllPublicNames(aps[i]!)) {
      aps.splice(i, 1);
      i--;
    }
  }
  if (emptyCount === origLen) return [];

  // An empty policy for public names also gets out of the way of policies
  // that fetch certificates through a manager (get_certificate), unless a
  // later policy without managers (e.g. an on-demand catch-all) would take
  // over its names (caddy#7559).
  if (aps.some((ap) => (ap.get_certificate?.length ?? 0) > 0)) {
    for (let i = 0; i < aps.length; i++) {
      const ap = aps[i]!;
      if (!apIsEmpty(ap) || (ap.subjects?.length ?? 0) === 0) continue;
      let keep = false;
      for (let j = i + 1; j < aps.length; j++) {
        if (isSubset(ap, aps[j]!) && !((aps[j]!.get_certificate?.length ?? 0) > 0)) keep = true;
      }
      if (!keep) {
        aps.splice(i, 1);
        i--;
      }
    }
  }

  outer: for (let i = 0; i < aps.length; i++) {
    for (let j = i + 1; j < aps.length; j++) {
      const a = aps[i]!;
      const b = aps[j]!;
      if (apEqual(a, b)) {
        aps.splice(j, 1);
        i--;
        continue outer;
      }
      const sameSettings =
        same(a.issuers ?? [], b.issuers ?? []) &&
        same(a.get_certificate ?? [], b.get_certificate ?? []) &&
        same(a.storage, b.storage) &&
        !!a.must_staple === !!b.must_staple &&
        (a.key_type ?? '') === (b.key_type ?? '') &&
        !!a.on_demand === !!b.on_demand &&
        !!a.reuse_private_keys === !!b.reuse_private_keys &&
        (a.renewal_window_ratio ?? 0) === (b.renewal_window_ratio ?? 0);
      if (!sameSettings) continue;
      if ((a.subjects?.length ?? 0) > 0 && (b.subjects?.length ?? 0) === 0) {
        // b is a catch-all with the same settings: a is redundant unless a
        // less specific policy between them would otherwise take its names
        if (shadows(i, aps) >= j) {
          aps.splice(i, 1);
          i--;
          continue outer;
        }
      } else {
        for (const s of b.subjects ?? []) if (!(a.subjects ??= []).includes(s)) a.subjects.push(s);
        aps.splice(j, 1);
        j--;
      }
    }
  }
  return aps;
}

/**
 * Builds apps.pki from the `pki` global option and the CAs named by
 * `acme_server` ('pki.ca' values); `skip_install_trust` turns off trust
 * installation for every CA. Returns undefined when there is no CA.
 */
export function buildPKIApp(
  pairings: Pairing[],
  options: Record<string, unknown>,
  warnings: Warning[],
): JSONObject | undefined {
  void warnings;
  const skipInstallTrust = options.skip_install_trust !== undefined;
  const fromOption = (options.pki as JSONObject | undefined)?.certificate_authorities as Record<string, JSONObject> | undefined;
  const cas: Record<string, JSONObject> = {};
  for (const [id, ca] of Object.entries(fromOption ?? {})) {
    cas[id] = structuredClone(ca);
    if (skipInstallTrust) cas[id].install_trust = false;
  }
  for (const p of pairings) {
    for (const sb of p.serverBlocks) {
      for (const v of pileValues(sb, 'pki.ca')) {
        const { id, ...ca } = structuredClone(v.value as JSONObject);
        if (skipInstallTrust) ca.install_trust = false;
        // a CA from the global options wins
        if (!(id in cas)) cas[id] = ca;
      }
    }
  }
  if (Object.keys(cas).length === 0 && skipInstallTrust) cas.local = { install_trust: false };
  if (Object.keys(cas).length === 0) return undefined;
  const ordered: Record<string, JSONObject> = {};
  for (const id of Object.keys(cas).sort()) ordered[id] = orderCA(cas[id]!);
  return { certificate_authorities: ordered };
}

/** caddypki.CA's JSON field order. */
function orderCA(ca: JSONObject): JSONObject {
  const out: JSONObject = {};
  for (const k of [
    'name',
    'root_common_name',
    'intermediate_common_name',
    'intermediate_lifetime',
    'install_trust',
    'root',
    'intermediate',
    'storage',
  ]) {
    if (ca[k] !== undefined) out[k] = ca[k];
  }
  for (const k of Object.keys(ca)) if (out[k] === undefined) out[k] = ca[k];
  return out;
}
