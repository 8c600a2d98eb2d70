/**
 * On-demand TLS: a certificate obtained during the first handshake for a
 * name no certificate was loaded for, when the name's automation policy has
 * `on_demand` (certmagic's getCertDuringHandshake → obtainOnDemandCertificate,
 * with Caddy's DecisionFunc in front). For one name:
 *
 *   1. one flight: concurrent handshakes for the name wait on the first
 *      one's result (permission, storage, issuance), so 4 clients = 1 ask and
 *      at most 1 issuance;
 *   2. a recent denial answers at once: a non-2xx from the permission
 *      endpoint is remembered for `deniedMs` (10 s), so a flood of handshakes
 *      for a refused name costs one ask (certmagic has no such cache; its
 *      2019 predecessor kept failed names for 5 min);
 *   3. the name must qualify for a certificate (certmagic's
 *      SubjectQualifiesForCert) and the permission endpoint must allow it —
 *      asked before storage too, so a stored certificate for a name no
 *      longer allowed is not served (certmagic #185);
 *   4. an unexpired certificate in storage (exact name, then the wildcard
 *      one) is used, renewed by a later handshake if due: a restart issues
 *      nothing;
 *   5. otherwise issuance, at most `events` (10) in any `windowMs` (10 s)
 *      across all names of this config, callers over it waiting their turn
 *      (certmagic's RateLimitEvents / RateLimitEventsWindow);
 *   6. a certificate served this way is renewed by a later handshake once a
 *      third of its life remains (asking permission again): in the
 *      background while it is still valid (a failure pauses retries for a
 *      minute), before the handshake when not.
 *
 * The manager supplies storage and issuance through OnDemandSource, so this
 * file knows nothing of issuers.
 */
import type { EngineLog } from '../core/log.js';
import { subjectQualifiesForCert } from '../net/cert_subjects.js';
import type { Certificate } from './certificate.js';
import { clientIP, type HandshakeClient, type OnDemandPermission, PermissionDeniedError } from './on_demand_permission.js';
import { RateLimiter } from './on_demand_rate.js';

export interface OnDemandSource {
  /** The newest unexpired stored certificate for name (exact, then wildcard), cached; null when storage has none. */
  loadStored(name: string): Promise<Certificate | null>;
  /** A new certificate for name from its policy's issuers: stored, cached, returned. */
  obtain(name: string, opts?: { renewal?: boolean }): Promise<Certificate>;
  /** Whether a third of the certificate's life is left (or less). */
  needsRenewal(cert: Certificate): boolean;
}

export interface OnDemandLimits {
  /** Issuances allowed in any window. */
  events: number;
  windowMs: number;
  /** How long a denial is remembered. */
  deniedMs: number;
}

/** certmagic's internal rate limit (10 per 10 s) and tsweb's denial memory (10 s). */
export const defaultOnDemandLimits: OnDemandLimits = { events: 10, windowMs: 10_000, deniedMs: 10_000 };

/** After a failed background renewal of a still-valid certificate, the pause before the next try. */
const renewRetryMs = 60_000;

/** Denials kept at most (oldest dropped first), so random names cannot grow memory without bound. */
const maxDenied = 10_000;

export interface OnDemandOptions {
  /** null: every name is allowed (only legal for bounded subjects or the internal issuer; see the app's check). */
  permission: OnDemandPermission | null;
  source: OnDemandSource;
  log: EngineLog;
  now?: () => number;
  limits?: Partial<OnDemandLimits>;
}

/** certmagic's logWithRemote fields. */
function remoteFields(client: HandshakeClient): Record<string, string> {
  return { remote_ip: clientIP(client), remote_port: client.remotePort === undefined ? '' : String(client.remotePort) };
}

export class OnDemand {
  private readonly flights = new Map<string, Promise<Certificate>>();
  /** Names whose background renewal failed, until when not to try again. */
  private readonly renewFailedUntil = new Map<string, number>();
  private readonly denied = new Map<string, { until: number; message: string }>();
  /** Certificates this served, so a later handshake knows to maintain them. */
  private readonly ours = new WeakSet<Certificate>();
  private readonly limits: OnDemandLimits;
  private readonly limiter: RateLimiter;
  private readonly now: () => number;

  constructor(private readonly opts: OnDemandOptions) {
    this.limits = { ...defaultOnDemandLimits, ...opts.limits };
    this.now = opts.now ?? Date.now;
    this.limiter = new RateLimiter(this.limits.events, this.limits.windowMs, this.now);
  }

  /** Whether cert was obtained or loaded on demand (and so is maintained by handshakes). */
  owns(cert: Certificate): boolean {
    return this.ours.has(cert);
  }

  /** The certificate for a name nothing in the cache covers. */
  get(name: string, client: HandshakeClient): Promise<Certificate> {
    const d = this.denied.get(name);
    if (d !== undefined) {
      if (this.now() < d.until) return Promise.reject(new Error(d.message));
      this.denied.delete(name);
    }
    return this.flight(name, client, () => this.loadOrObtain(name, client));
  }

  /**
   * A cached on-demand certificate at handshake time (certmagic's
   * handshakeMaintenance): served as is until due, then renewed in the
   * background; an expired one waits for its renewal.
   */
  maintain(cert: Certificate, name: string, client: HandshakeClient): Certificate | Promise<Certificate> {
    if (!this.opts.source.needsRenewal(cert)) return cert;
    const now = this.now();
    if (now > cert.notAfter.getTime()) return this.flight(name, client, () => this.renew(cert, name, client));
    // Still valid: serve it; one background renewal at a time, and after a failure not again for a minute
    // (else every handshake of a busy name would ask and order again).
    if (this.flights.has(name) || now < (this.renewFailedUntil.get(name) ?? 0)) return cert;
    this.flight(name, client, () => this.renew(cert, name, client)).catch((err: unknown) => {
      this.renewFailedUntil.set(name, this.now() + renewRetryMs);
      this.opts.log('error', 'tls.on_demand', 'renewing certificate on-demand failed', { subjects: cert.names, not_after: cert.notAfter.toISOString(), error: (err as Error).message });
    });
    return cert;
  }

  private flight(name: string, client: HandshakeClient, work: () => Promise<Certificate>): Promise<Certificate> {
    let f = this.flights.get(name);
    if (f !== undefined) {
      this.opts.log('debug', 'tls.on_demand', 'new certificate is needed, but is already being obtained; waiting for that issuance to complete', { ...remoteFields(client), subject: name });
      return f;
    }
    f = work().then((cert) => {
      this.ours.add(cert);
      this.renewFailedUntil.delete(name);
      return cert;
    });
    const done = () => {
      this.flights.delete(name);
    };
    f.then(done, done);
    this.flights.set(name, f);
    return f;
  }

  /** Caddy's DecisionFunc: qualifies, then the permission module; denials remembered. */
  private async decide(name: string, client: HandshakeClient): Promise<void> {
    if (!subjectQualifiesForCert(name)) throw new Error(`certificate is not allowed for server name ${name}: subject name does not qualify for certificate: ${name}`);
    const { permission, log } = this.opts;
    if (permission === null) return;
    log('debug', 'tls', 'asking for permission for on-demand certificate', { remote_ip: clientIP(client), domain: name });
    try {
      await permission.allowed(name, client);
    } catch (err) {
      const message = `certificate is not allowed for server name ${name}: decision func: ${(err as Error).message}`;
      if (err instanceof PermissionDeniedError) {
        log('debug', 'tls', 'on-demand certificate issuance denied', { domain: name, error: (err as Error).message });
        this.remember(name, message);
      } else {
        log('error', 'tls', 'failed to get permission for on-demand certificate', { domain: name, error: (err as Error).message });
      }
      throw new Error(message, { cause: err });
    }
  }

  private remember(name: string, message: string): void {
    if (this.denied.size >= maxDenied) this.denied.delete(this.denied.keys().next().value!);
    this.denied.set(name, { until: this.now() + this.limits.deniedMs, message });
  }

  private async loadOrObtain(name: string, client: HandshakeClient): Promise<Certificate> {
    await this.decide(name, client);
    const { source, log } = this.opts;
    const stored = await source.loadStored(name);
    if (stored !== null) {
      log('debug', 'tls.handshake', 'loaded certificate from storage', { ...remoteFields(client), subjects: stored.names, managed: true, expiration: stored.notAfter.toISOString() });
      return stored;
    }
    await this.takeSlot(name);
    log('info', 'tls.on_demand', 'obtaining new certificate', { ...remoteFields(client), server_name: name });
    return source.obtain(name);
  }

  private async renew(cert: Certificate, name: string, client: HandshakeClient): Promise<Certificate> {
    const { log } = this.opts;
    const remaining = (cert.notAfter.getTime() - this.now()) / 1000;
    const fields = { ...remoteFields(client), server_name: name, subjects: cert.names, expiration: cert.notAfter.toISOString(), remaining, revoked: false };
    try {
      await this.decide(name, client);
    } catch (err) {
      log('error', 'tls.on_demand', 'certificate should not be obtained', { ...fields, error: (err as Error).message });
      throw err;
    }
    await this.takeSlot(name);
    log('info', 'tls.on_demand', 'attempting certificate renewal', fields);
    return this.opts.source.obtain(name, { renewal: true });
  }

  /** The rate cap, logged as certmagic's ACME client logs its limiter. */
  private async takeSlot(name: string): Promise<void> {
    const { log } = this.opts;
    let waited = false;
    await this.limiter.wait((ms) => {
      waited = true;
      log('info', 'tls.on_demand', 'waiting on internal rate limiter', { identifiers: [name], wait_ms: Math.round(ms), events: this.limits.events, window: `${this.limits.windowMs / 1000}s` });
    });
    if (waited) log('info', 'tls.on_demand', 'done waiting on internal rate limiter', { identifiers: [name] });
  }
}

/** What the load-time checks need of an automation policy. */
export interface OnDemandPolicyShape {
  subjects: readonly string[];
  issuers: readonly { module: string }[];
  onDemand?: boolean;
}

/** AutomationPolicy.isWildcardOrDefault: unbounded names. */
const wildcardOrDefault = (p: OnDemandPolicyShape) => p.subjects.length === 0 || p.subjects.some((s) => s.startsWith('*'));
const onlyInternal = (p: OnDemandPolicyShape) => p.issuers.length === 1 && p.issuers[0]!.module === 'internal';

/**
 * Newer Caddy refuses on-demand issuance for unbounded names from a public CA
 * without a permission module (the internal issuer puts no pressure on
 * public CAs and is allowed). Throws Caddy's error for the first such policy.
 */
export function checkOnDemandProtections(policies: readonly OnDemandPolicyShape[], endpoint: string | null): void {
  if (endpoint !== null) return;
  policies.forEach((p, i) => {
    if (p.onDemand === true && wildcardOrDefault(p) && !onlyInternal(p)) {
      throw new Error(`provisioning automation policy ${i}: on-demand TLS cannot be enabled without a permission module to prevent abuse; please refer to documentation for details`);
    }
  });
}

/** Caddy's warning at start: an unbounded on-demand policy (internal issuer, else the load failed) with nobody to ask. */
export function warnUnprotectedOnDemand(policies: readonly OnDemandPolicyShape[], endpoint: string | null, log: EngineLog): void {
  if (endpoint !== null || !policies.some((p) => p.onDemand === true && wildcardOrDefault(p))) return;
  log('warn', 'tls', 'YOUR SERVER MAY BE VULNERABLE TO ABUSE: on-demand TLS is enabled, but no protections are in place', { docs: 'https://caddyserver.com/docs/automatic-https#on-demand-tls' });
}
