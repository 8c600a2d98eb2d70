/**
 * A server's TLS connection policies as Caddy's httpcaddyfile builds them:
 * consolidated (duplicates dropped, equal matchers merged), and hosts shielded
 * from a wildcard policy's client authentication.
 */
import { orderKeys, sortKeysDeep } from '../../go/json.js';
import { sliceStable, sortStrings } from '../../go/sort.js';
import { hostsFromKeys } from '../addresses.js';
import type { SiteBlock } from '../pairing.js';
import { jsonEqual } from '../subroute.js';
import type { JSONObject } from '../types.js';
import { CONNECTION_POLICY_KEYS } from './constants.js';
import { matchWildcard } from './subjects.js';

/** The object without one key (a policy's settings without its matcher). */
export function withoutKey(o: JSONObject, key: string): JSONObject {
  const out: JSONObject = {};
  for (const k of Object.keys(o)) if (k !== key) out[k] = o[k];
  return out;
}

/** caddytls.ConnectionPolicy.SettingsEmpty: nothing but (maybe) a matcher. */
export function connPolicySettingsEmpty(cp: JSONObject): boolean {
  return Object.entries(cp).every(([k, v]) => k === 'match' || v === undefined || v === '' || v === false || (Array.isArray(v) && v.length === 0));
}

/**
 * Caddy's consolidateConnPolicies: catch-alls last, duplicates dropped, and
 * policies with the same matcher merged when their settings do not conflict.
 */
export function consolidateConnPolicies(input: JSONObject[]): JSONObject[] {
  const cps = input.map((cp) => ({ ...cp }));
  sliceStable(cps, (a, b) => b.match === undefined && a.match !== undefined);
  const conflict = (what: string, a: unknown, b: unknown) =>
    new Error(`two policies with same match criteria have conflicting ${what}: ${fmt(a)} vs. ${fmt(b)}`);
  const nonEmpty = (v: unknown) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0);

  // Only policies with equal matchers interact, so each policy is compared
  // with its group instead of with every other policy (Caddy's loop is
  // quadratic, which shows on 1,000-site files). Groups list policies in
  // array order, so "the first other policy" is the same one Caddy finds.
  const keyOf = (cp: JSONObject) => JSON.stringify(sortKeysDeep(cp.match ?? null));
  const groups = new Map<string, JSONObject[]>();
  for (const cp of cps) {
    const k = keyOf(cp);
    const g = groups.get(k);
    if (g) g.push(cp);
    else groups.set(k, [cp]);
  }
  const removed = new Set<JSONObject>();
  for (let i = 0; i < cps.length; i++) {
    const a = cps[i]!;
    if (removed.has(a)) continue;
    const group = groups.get(keyOf(a))!;
    for (;;) {
      const b = group.find((x) => x !== a && !removed.has(x));
      if (!b) break;
      if (!jsonEqual(a, b)) {
        for (const [key, what] of [
          ['alpn', 'ALPN'],
          ['cipher_suites', 'cipher suites'],
          ['curves', 'curves'],
          ['default_sni', 'default SNI'],
          ['protocol_min', 'min protocol'],
          ['protocol_max', 'max protocol'],
        ] as const) {
          if (nonEmpty(a[key]) && nonEmpty(b[key]) && !jsonEqual(a[key], b[key])) throw conflict(what, a[key], b[key]);
        }
        if (a.client_authentication === undefined && b.client_authentication !== undefined) {
          throw conflict('client auth configuration', a.client_authentication, b.client_authentication);
        }
        const ca = a.certificate_selection as JSONObject | undefined;
        const cb = b.certificate_selection as JSONObject | undefined;
        if (ca && cb) {
          for (const k of ['serial_number', 'subject_organization', 'public_key_algorithm', 'all_tags']) {
            if (!jsonEqual(ca[k], cb[k])) throw conflict('cert selections', ca, cb);
          }
        }
        for (const key of ['alpn', 'cipher_suites', 'client_authentication', 'curves', 'default_sni', 'protocol_min', 'protocol_max']) {
          if (!nonEmpty(a[key]) && nonEmpty(b[key])) a[key] = b[key];
        }
        if (!ca && cb) a.certificate_selection = cb;
        else if (ca && cb) {
          const tags = [...((ca.any_tag as string[] | undefined) ?? [])];
          for (const t of (cb.any_tag as string[] | undefined) ?? []) if (!tags.includes(t)) tags.push(t);
          a.certificate_selection = { ...ca, any_tag: tags };
        }
      }
      removed.add(b);
    }
  }
  const kept = cps.filter((cp) => !removed.has(cp)).map((cp) => orderKeys(cp, CONNECTION_POLICY_KEYS));

  // adjacent policies that differ only in their SNI list become one
  const merged: JSONObject[] = [];
  for (const cp of kept) {
    const prev = merged[merged.length - 1];
    const sniOnly = (p: JSONObject) => !!p.match && Object.keys(p.match as JSONObject).length === 1 && Array.isArray((p.match as JSONObject).sni);
    if (prev && sniOnly(prev) && sniOnly(cp) && jsonEqual(withoutKey(prev, 'match'), withoutKey(cp, 'match'))) {
      const sni = [...sniOf(prev)];
      for (const h of sniOf(cp)) if (!sni.includes(h)) sni.push(h);
      merged[merged.length - 1] = { ...prev, match: { sni } };
      continue;
    }
    merged.push(cp);
  }
  return merged.map((cp) => orderKeys(cp, CONNECTION_POLICY_KEYS));
}

const sniOf = (cp: JSONObject): string[] => ((cp.match as JSONObject | undefined)?.sni as string[] | undefined) ?? [];

/**
 * Policies are first-match by SNI, so a wildcard's client authentication
 * would also apply to more specific sites that never asked for it. Those
 * hostnames get an empty policy right above the first client-auth policy
 * whose wildcard covers them (Caddy PR #7920).
 */
export function shieldFromWildcardClientAuth(policies: JSONObject[], blocks: SiteBlock[]): JSONObject[] {
  if (!policies.some((cp) => cp.client_authentication && sniOf(cp).some((s) => s.includes('*')))) return policies;
  const shields = new Map<number, string[]>();
  for (const sb of blocks) {
    const own = (sb.pile['tls.connection_policy'] ?? []).some((cv) => !connPolicySettingsEmpty(cv.value as JSONObject));
    if (own) continue;
    for (const host of hostsFromKeys(sb, false)) {
      if (host.includes('*')) continue;
      const idx = policies.findIndex((cp) => sniOf(cp).some((s) => s === host || matchWildcard(host, s)));
      if (idx < 0) continue;
      const cp = policies[idx]!;
      if (!cp.client_authentication || sniOf(cp).includes(host)) continue;
      const list = shields.get(idx) ?? [];
      if (!list.includes(host)) list.push(host);
      shields.set(idx, list);
    }
  }
  const out: JSONObject[] = [];
  policies.forEach((cp, idx) => {
    const hosts = shields.get(idx);
    if (hosts) out.push({ match: { sni: sortStrings(hosts) } });
    out.push(cp);
  });
  return out;
}

function fmt(v: unknown): string {
  return Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'object' ? JSON.stringify(v) : String(v);
}
