/**
 * tsweb_tls_certificate_expiration_timestamp_seconds{subject,issuer,managed}:
 * a tsweb extension (Caddy exports no certificate metric). Named after
 * cert-manager's certmanager_certificate_expiration_timestamp_seconds, so
 * alerts written for it carry over (`… - time() < 86400 * 14`). Every
 * certificate manager registers its cache when it starts and drops it when
 * it stops; the values are read when scraped, so nothing runs in between.
 */
import { registry } from './index.js';
import type { Sample } from './registry.js';

export interface CertificateExpiry {
  /** The certificate's first name (SAN, else CN). */
  readonly subject: string;
  /** The issuer key for managed certificates (`local`, `acme-v02.api.letsencrypt.org-directory`); the issuer's CN for the user's own. */
  readonly issuer: string;
  readonly managed: boolean;
  /** notAfter, in Unix seconds. */
  readonly notAfter: number;
}

const sources = new Set<() => Iterable<CertificateExpiry>>();

function collect(): Sample[] {
  // Two managers (a config and the one replacing it) or two manual certificates for a name: one series, the later expiry.
  const bySeries = new Map<string, Sample>();
  for (const list of sources) {
    for (const c of list()) {
      const labels = [c.subject, c.issuer, c.managed ? 'true' : 'false'];
      const key = labels.join('\xff');
      const prev = bySeries.get(key);
      if (prev === undefined) bySeries.set(key, { labels, value: c.notAfter });
      else prev.value = Math.max(prev.value, c.notAfter);
    }
  }
  return [...bySeries.values()];
}

let registered = false;

/** Returns the unregistration, for the manager's stop(). */
export function registerCertificateExpiry(list: () => Iterable<CertificateExpiry>): () => void {
  if (!registered) {
    // max, not sum: every worker loads the same certificates, and one that renewed first shows the new expiry.
    registry.collector(
      'tsweb_tls_certificate_expiration_timestamp_seconds',
      "The time after which the certificate is no longer valid (its notAfter), in Unix seconds; one series per certificate in the tls app's cache.",
      'gauge',
      ['subject', 'issuer', 'managed'],
      collect,
      'max',
    );
    registered = true;
  }
  sources.add(list);
  return () => {
    sources.delete(list);
  };
}
