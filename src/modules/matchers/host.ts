/**
 * host (Caddy's MatchHost): the request's host (port removed) equals one of
 * the names, case-insensitively. `*` stands for exactly one label
 * (`*.example.com` matches `a.example.com`, not `a.b.example.com` nor
 * `example.com`). Names may hold placeholders. Internationalised names are
 * compared in their ASCII (punycode) form; a repeated name is a config error.
 *
 * Exact names go into a Set at provision, so a long list costs one lookup.
 */
import { matcherModule } from '../../core/registry.js';
import { compileTemplate, hasPlaceholders, type Template } from '../../core/replacer.js';
import type { Matcher } from '../../core/types.js';
import { decodeHost } from './config.js';

/** Label-wise comparison with `*` wildcards; both sides lower-case. */
function wildcardMatch(patternLabels: readonly string[], host: string): boolean {
  const labels = host.split('.');
  if (labels.length !== patternLabels.length) return false;
  for (let i = 0; i < labels.length; i++) {
    const p = patternLabels[i]!;
    if (p !== '*' && p !== labels[i]) return false;
  }
  return true;
}

function provision(hosts: string[]): Matcher {
  const exact = new Set<string>();
  const wildcards: string[][] = [];
  const dynamic: Template[] = [];
  for (const h of hosts) {
    if (hasPlaceholders(h) && h.includes('{')) dynamic.push(compileTemplate(h, 'empty'));
    else if (h.includes('*')) wildcards.push(h.toLowerCase().split('.'));
    else exact.add(h.toLowerCase());
  }

  if (wildcards.length === 0 && dynamic.length === 0) return (ctx) => exact.has(ctx.host);
  return (ctx) => {
    const host = ctx.host;
    if (exact.has(host)) return true;
    for (const w of wildcards) if (wildcardMatch(w, host)) return true;
    for (const t of dynamic) {
      const h = t(ctx.repl).toLowerCase();
      if (h.includes('*') ? wildcardMatch(h.split('.'), host) : h === host) return true;
    }
    return false;
  };
}

export const hostMatcher = matcherModule('host', { decode: decodeHost, provision });
