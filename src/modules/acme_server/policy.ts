/**
 * Which identifiers the CA signs for: smallstep's X.509 name policy as
 * Caddy's acme_server configures it (policy.go). No rules and no
 * allow_wildcard_names: everything. Otherwise a wildcard name needs
 * allow_wildcard_names; a name matching a deny rule is refused; when any
 * allow rule exists, a name must match an allow rule of its own type (a type
 * with no allow rules is refused). `example.com` matches that name only,
 * `*.example.com` any name below it; IP rules are CIDRs or single addresses.
 */
import { addrPrefix, parseAddr, parsePrefix, prefixContains, type Prefix } from '../../net/ip.js';
import { DecodeError } from '../../core/decode.js';
import type { RuleSet } from './config.js';

export interface Identifier {
  type: 'dns' | 'ip';
  value: string;
}

/** null: allowed; else why not. */
export type IdentifierPolicy = (id: Identifier) => string | null;

interface Compiled {
  domains: string[][];
  domainSubs: boolean[];
  ips: Prefix[];
}

const reverseLabels = (name: string): string[] => name.toLowerCase().replace(/\.$/, '').split('.').reverse();

function compileRules(r: RuleSet, which: string): Compiled {
  const ips = r.ipRanges.map((s, i) => {
    try {
      if (s.includes('/')) return parsePrefix(s);
      const a = parseAddr(s);
      if (!a) throw new Error(`cannot parse IP address "${s}"`);
      return addrPrefix(a);
    } catch (err) {
      throw new DecodeError(`policy.${which}.ip_ranges[${i}]`, (err as Error).message);
    }
  });
  const domainSubs = r.domains.map((d) => d.startsWith('*.'));
  const domains = r.domains.map((d) => reverseLabels(d.startsWith('*.') ? d.slice(2) : d));
  return { domains, domainSubs, ips };
}

function matchDomain(c: Compiled, name: string): boolean {
  const labels = reverseLabels(name);
  for (let i = 0; i < c.domains.length; i++) {
    const want = c.domains[i]!;
    const subs = c.domainSubs[i]!;
    if (subs ? labels.length <= want.length : labels.length !== want.length) continue;
    if (want.every((l, j) => l === labels[j])) return true;
  }
  return false;
}

function matchIP(c: Compiled, value: string): boolean {
  const a = parseAddr(value);
  return a !== null && c.ips.some((p) => prefixContains(p, a));
}

export function compilePolicy(allowRules: RuleSet, denyRules: RuleSet, allowWildcardNames: boolean, active: boolean): IdentifierPolicy {
  if (!active) return () => null;
  const allow = compileRules(allowRules, 'allow');
  const deny = compileRules(denyRules, 'deny');
  const anyAllow = allow.domains.length + allow.ips.length > 0;
  return (id) => {
    const what = `${id.type} identifier "${id.value}"`;
    if (id.type === 'dns') {
      if (id.value.startsWith('*.') && !allowWildcardNames) return `${what} is a wildcard name, which the policy does not allow`;
      if (matchDomain(deny, id.value)) return `${what} is denied by the policy`;
      if (anyAllow && !matchDomain(allow, id.value)) return `${what} is not allowed by the policy`;
      return null;
    }
    if (matchIP(deny, id.value)) return `${what} is denied by the policy`;
    if (anyAllow && !matchIP(allow, id.value)) return `${what} is not allowed by the policy`;
    return null;
  };
}
