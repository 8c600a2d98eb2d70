/**
 * The `acme_server` handler's JSON (Caddy's acmeserver.Handler) and its
 * decoder, with Caddy's defaults: CA `local`, path prefix `/acme/`,
 * lifetime 12 h, every challenge type when `challenges` is empty.
 */
import { DecodeError, ObjectReader } from '../../core/decode.js';
import type { JSONObject } from '../../core/registry.js';
import { compilePolicy, type IdentifierPolicy } from './policy.js';

export type ChallengeType = 'http-01' | 'dns-01' | 'tls-alpn-01';
const challengeTypes: readonly ChallengeType[] = ['http-01', 'dns-01', 'tls-alpn-01'];

export interface ACMEServerConfig {
  ca: string;
  /** For URLs when a request has no Host (smallstep prefers the request's). */
  host: string;
  /** Always starts and ends with '/'. */
  pathPrefix: string;
  lifetimeMs: number;
  signWithRoot: boolean;
  resolvers: string[];
  /** The types offered, in Caddy's order; never dns-01 (see README). */
  challenges: ChallengeType[];
  /** dns-01 was asked for (explicitly, or by an empty list). */
  dnsAsked: boolean;
  policy: IdentifierPolicy;
  /** Whether the JSON had allow or deny rules (Caddy warns when it has none). */
  restricted: boolean;
  allowWildcardNames: boolean;
}

export const defaultPathPrefix = '/acme/';
export const defaultLifetimeMs = 12 * 3600_000;

export function decodeACMEServer(json: JSONObject): ACMEServerConfig {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const ca = r.str('ca', '') || 'local';
  const host = r.str('host', '');
  let pathPrefix = r.str('path_prefix', '') || defaultPathPrefix;
  if (!pathPrefix.startsWith('/')) pathPrefix = '/' + pathPrefix;
  if (!pathPrefix.endsWith('/')) pathPrefix += '/';
  const lifetimeMs = r.durationMs('lifetime') || defaultLifetimeMs;
  const signWithRoot = r.bool('sign_with_root');
  const resolvers = r.strList('resolvers');
  // Caddy lower-cases and trims each entry as it unmarshals it, then validates.
  const listed = r.strList('challenges').map((c) => c.trim().toLowerCase());
  listed.forEach((c, i) => {
    if (!challengeTypes.includes(c as ChallengeType)) throw new DecodeError(`challenges[${i}]`, `acme challenge "${c}" is not supported`);
  });
  const p = r.obj('policy');
  const allow = decodeRuleSet(p, 'allow');
  const deny = decodeRuleSet(p, 'deny');
  const allowWildcardNames = p.bool('allow_wildcard_names');
  p.done();
  r.done();

  const offered = listed.length === 0 ? [...challengeTypes] : challengeTypes.filter((c) => listed.includes(c));
  // dns-01 needs TXT lookups tsweb's ACME server does not do yet: never offered (provision warns).
  const challenges = offered.filter((c) => c !== 'dns-01');

  const restricted = allow.domains.length + allow.ipRanges.length + deny.domains.length + deny.ipRanges.length > 0;
  const policy = compilePolicy(allow, deny, allowWildcardNames, restricted || allowWildcardNames);
  return { ca, host, pathPrefix, lifetimeMs, signWithRoot, resolvers, challenges, dnsAsked: offered.includes('dns-01'), policy, restricted, allowWildcardNames };
}

export interface RuleSet {
  domains: string[];
  ipRanges: string[];
}

function decodeRuleSet(p: ObjectReader, key: string): RuleSet {
  const r = p.obj(key);
  const out = { domains: r.strList('domains'), ipRanges: r.strList('ip_ranges') };
  r.done();
  return out;
}
