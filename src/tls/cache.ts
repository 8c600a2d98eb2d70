/**
 * Certificates by name (certmagic's Cache). A lookup tries the exact name,
 * then certmagic's wildcard candidates: the labels replaced by `*` from the
 * left one at a time (a.b.example.com → *.b.example.com → *.*.example.com …).
 * A name may have several certificates (manual ones with different tags);
 * a connection policy's selection picks among them. put() replaces a
 * managed certificate in place: the next handshake gets the new one, open
 * connections keep the context they made.
 */
import type { Certificate } from './certificate.js';

export type CertFilter = (c: Certificate) => boolean;

const any: CertFilter = () => true;

export class CertCache {
  private readonly byName = new Map<string, Certificate[]>();

  get size(): number {
    return this.byName.size;
  }

  /** Adds a certificate under each of its names; a managed one replaces the managed one it renews. */
  put(cert: Certificate): void {
    for (const name of cert.names) {
      const list = (this.byName.get(name) ?? []).filter((c) => !(cert.managed && c.managed));
      list.push(cert);
      this.byName.set(name, list);
    }
  }

  /** The certificate for a server name: exact, then wildcard candidates. */
  get(serverName: string, filter: CertFilter = any): Certificate | null {
    const name = serverName.toLowerCase();
    const exact = this.pick(name, filter);
    if (exact) return exact;
    const labels = name.split('.');
    for (let i = 0; i < labels.length; i++) {
      labels[i] = '*';
      const found = this.pick(labels.join('.'), filter);
      if (found) return found;
    }
    return null;
  }

  /** Every certificate once (one is filed under each of its names). */
  certificates(): Set<Certificate> {
    const out = new Set<Certificate>();
    for (const list of this.byName.values()) for (const c of list) out.add(c);
    return out;
  }

  /** Whether any certificate passes filter (a server with policies but no names still has something to serve). */
  some(filter: CertFilter = any): boolean {
    for (const list of this.byName.values()) if (list.some(filter)) return true;
    return false;
  }

  private pick(name: string, filter: CertFilter): Certificate | null {
    const list = this.byName.get(name);
    if (!list) return null;
    // Prefer the newest certificate that passes (a renewal, or the longer-lived of two manual ones).
    let best: Certificate | null = null;
    for (const c of list) if (filter(c) && (best === null || c.notAfter > best.notAfter)) best = c;
    return best;
  }
}
