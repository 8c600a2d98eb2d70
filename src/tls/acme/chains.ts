/**
 * preferred_chains (certmagic acmeclient.go selectPreferredChain): among
 * the chains the CA offers, the smallest, or the first whose root (the last
 * certificate's issuer) has one of root_common_name, or any of whose
 * certificates' issuers has one of any_common_name; else the first.
 */
import { X509Certificate } from 'node:crypto';
import type { EngineLog } from '../../core/log.js';
import type { ACMEIssuerConfig } from './config.js';

function issuers(chain: string): string[] {
  const pems = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return pems.map((p) => /(?:^|\n)CN=([^\n]+)/.exec(new X509Certificate(p).issuer)?.[1] ?? '');
}

export function selectChain(chains: readonly string[], prefs: ACMEIssuerConfig['preferredChains'], log: EngineLog): string {
  const logger = 'tls.issuance.acme';
  if (chains.length === 1) {
    log('debug', logger, 'there is only one chain offered; selecting it regardless of preferences', { chain_preferences: prefs });
    return chains[0]!;
  }
  if (prefs.smallest === true) {
    return chains.reduce((best, c) => (c.length < best.length ? c : best));
  }
  for (const cn of prefs.rootCommonName) {
    for (const chain of chains) {
      const iss = issuers(chain);
      if (iss[iss.length - 1] === cn) {
        log('debug', logger, 'found preferred certificate chain by root common name', { preferred_root: cn });
        return chain;
      }
    }
  }
  for (const cn of prefs.anyCommonName) {
    for (const chain of chains) {
      if (issuers(chain).includes(cn)) {
        log('debug', logger, 'found preferred certificate chain by issuer common name', { preferred_issuer: cn });
        return chain;
      }
    }
  }
  log('warn', logger, 'did not find chain matching preferences; using first');
  return chains[0]!;
}
