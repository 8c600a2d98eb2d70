/**
 * One config's certificates (caddytls.TLS + certmagic.Config): the manual
 * certificates, and a certificate per name automatic HTTPS or
 * `certificates.automate` asks for, from the issuers of the name's
 * automation policy (src/tls/issuer.ts), tried in order as certmagic does.
 *
 * - start() loads what storage has (any of the policy's issuers) and issues
 *   from policies whose issuers are all internal (fast, local), so the http
 *   app listens with them in place. Everything else (ACME) is obtained by
 *   manageAsync() once the listeners are up, since the CA validates through
 *   them: in the background, under the storage lock `issue_cert_<name>` (so
 *   instances sharing the storage order once), with certmagic's retry
 *   schedule between failed attempts.
 * - A maintenance loop (renew_interval, 10 min by default, with jitter; it
 *   wakes earlier when a certificate falls due) renews a certificate once
 *   renewal_window_ratio (1/3) of its lifetime remains, or when the CA's
 *   ARI window says so; renewed certificates are swapped into the cache in
 *   place, open connections keep theirs.
 *
 * `secureContext(serverName, hello)` is the one function the listeners call
 * during a handshake; it is async and takes plain data, so the manager can
 * later move to another thread or process. On-demand TLS (on_demand.ts)
 * uses loadStored/obtain/needsRenewal.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { EngineLog } from '../core/log.js';
import { type CertificateExpiry, registerCertificateExpiry } from '../core/metrics/certificates.js';
import { loadCertResource, saveCertResource } from './cert_resource.js';
import { CertCache } from './cache.js';
import { type Certificate, makeCertificate } from './certificate.js';
import { type ConnectionPolicy, contextFor, selectPolicy, tagFilter } from './connection_policy.js';
import { dataDir, storageFromConfig } from './data_dir.js';
import { isNotExist, type Storage } from './storage.js';
import { certIssueLockName } from './storage_keys.js';
import type { Issuer, RenewalHint } from './issuer.js';
import { type AuthorityLoader, InternalIssuer, type InternalIssuerConfig } from './internal_issuer.js';
import { type ACMEIssuerConfig, decodeACMEIssuer } from './acme/config.js';
import { ACMEIssuer } from './acme/issuer.js';

import { addChallengeSource } from './acme/challenge_answer.js';
import { doWithRetry, retryScale } from './retry.js';
import { OnDemand, type OnDemandLimits, warnUnprotectedOnDemand } from './on_demand.js';
import { type OnDemandConfig, PermissionByHTTP } from './on_demand_permission.js';
import type { KeyType } from './pki/keys.js';

export type { AuthorityLoader, InternalIssuerConfig } from './internal_issuer.js';
export type IssuerConfig = InternalIssuerConfig | ACMEIssuerConfig | { module: 'zerossl' };

export interface AutomationPolicy {
  /** Empty: every name no other policy lists. */
  subjects: readonly string[];
  /** Empty: Caddy's default issuers (ACME). */
  issuers: readonly IssuerConfig[];
  /** key_type; p256 when absent. */
  keyType?: KeyType;
  /** renewal_window_ratio; 1/3 when absent or 0. */
  renewalWindowRatio?: number;
  /** on_demand: certificates obtained during handshakes (src/tls/on_demand.ts). */
  onDemand?: boolean;
}

/** What the handshake knows about the client (plain data: it may cross a thread). */
export interface ClientHelloInfo {
  /** The local address the connection came in on (used for the IP of a client that sent no SNI). */
  localAddress?: string;
  /** The client's address and port (on-demand TLS asks with the IP and logs both). */
  remoteAddress?: string;
  remotePort?: number;
}

/** certmagic.SubjectIsInternal + Caddy's rule that every IP goes to the internal issuer. */
export function isInternalName(name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (isIP(n.replace(/^\[|\]$/g, ''))) return true;
  return n === 'localhost' || n.endsWith('.localhost') || n.endsWith('.local') || n.endsWith('.internal') || n.endsWith('.home.arpa');
}

const defaultInternal: InternalIssuerConfig = { module: 'internal', ca: 'local', lifetimeMs: 0, signWithRoot: false };
const internalPolicy: AutomationPolicy = { subjects: [], issuers: [defaultInternal] };

function subjectMatches(subject: string, name: string): boolean {
  if (subject === name) return true;
  if (!subject.startsWith('*.')) return false;
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot + 1) === subject.slice(2);
}

export interface ManagerOptions {
  policies: readonly AutomationPolicy[];
  manual: readonly Certificate[];
  automate: readonly string[];
  env: NodeJS.ProcessEnv;
  log: EngineLog;
  authority: AuthorityLoader;
  /** The config's storage (top-level `storage`); the data dir when absent. */
  storage?: Storage;
  /** Identifies the storage (for the authority cache); the data dir when absent. */
  storageID?: string;
  /** automation.renew_interval (ms); 10 min when 0 or absent. */
  renewIntervalMs?: number;
  now?: () => Date;
  /** automation.on_demand (the permission endpoint); policies say which names are on demand. */
  onDemand?: OnDemandConfig | null;
  /** Tests only: on-demand rate and denial windows. */
  onDemandLimits?: Partial<OnDemandLimits>;
}

const maxTimer = 2 ** 31 - 1;
const defaultRenewIntervalMs = 10 * 60_000;
const defaultRatio = 1 / 3;

/** A policy with its issuers made (once, when a name first needs them). */
class Policy {
  private made: Issuer[] | null = null;
  constructor(
    readonly cfg: AutomationPolicy,
    private readonly make: (cfg: IssuerConfig) => Issuer,
    /** Caddy's default issuer for a policy that names none: ACME at TSWEB_ACME_CA, else Let's Encrypt. */
    private readonly defaultIssuer: () => IssuerConfig,
  ) {}

  get issuers(): Issuer[] {
    this.made ??= (this.cfg.issuers.length > 0 ? this.cfg.issuers : [this.defaultIssuer()]).map(this.make);
    return this.made;
  }

  close(): void {
    for (const i of this.made ?? []) i.close?.();
  }

  get allInternal(): boolean {
    return this.cfg.issuers.length > 0 && this.cfg.issuers.every((i) => i.module === 'internal');
  }

  get ratio(): number {
    const r = this.cfg.renewalWindowRatio ?? 0;
    return r > 0 && r < 1 ? r : defaultRatio;
  }
}

/** The CN of the certificate's issuer (its whole DN when it has no CN). */
function issuerCommonName(cert: Certificate): string {
  const dn = new X509Certificate(cert.certPEM).issuer;
  return /(?:^|\n)CN=([^\n]+)/.exec(dn)?.[1] ?? dn.replaceAll('\n', ', ');
}

interface Managed {
  policy: Policy;
  /** The issuer of the certificate in the cache (for ARI), when known. */
  issuer: Issuer | null;
  cert: Certificate | null;
  ari: { hint: RenewalHint; at: number } | null;
}

export class CertManager {
  readonly cache = new CertCache();
  /** Managed names. */
  private readonly managed = new Map<string, Managed>();
  private readonly policies: Policy[];
  private readonly defaultPolicy: Policy;
  private readonly internal: Policy;
  private readonly flights = new Map<string, Promise<Certificate>>();
  /** Names with a retry loop running (obtain or renewal). */
  private readonly retrying = new Set<string>();
  private readonly pendingAsync = new Set<string>();
  private readonly abort = new AbortController();
  private maintenance: NodeJS.Timeout | null = null;
  private started: Promise<void> | null = null;
  /** Certificates obtained during handshakes; null when no policy is on demand. */
  private readonly onDemand: OnDemand | null;
  private asyncStarted = false;
  private stopped = false;
  private readonly storageDir: string;
  private storageInstance: Storage | null;
  private ports: { http: number; https: number } | undefined;
  private removeChallengeSource: (() => void) | null = null;
  /** Issuer keys of the certificates install() cached (for the expiry metric's label). */
  private readonly issuerOf = new WeakMap<Certificate, string>();
  private unregisterExpiry: (() => void) | null = null;
  /** An http app took this manager: it calls manageAsync() once it listens. */
  servedByHTTP = false;

  constructor(private readonly opts: ManagerOptions) {
    for (const c of opts.manual) this.cache.put(c);
    this.storageDir = opts.storageID ?? dataDir(opts.env);
    this.storageInstance = opts.storage ?? null;
    const make = (cfg: IssuerConfig) => this.makeIssuer(cfg);
    const defaultIssuer = () => decodeACMEIssuer({}, '', opts.env);
    this.policies = opts.policies.map((p) => new Policy(p, make, defaultIssuer));
    this.defaultPolicy = new Policy({ subjects: [], issuers: [] }, make, defaultIssuer);
    this.internal = new Policy(internalPolicy, make, defaultIssuer);
    this.onDemand = opts.policies.some((p) => p.onDemand === true) ? this.newOnDemand() : null;
    this.want(opts.automate);
  }

  get storage(): Storage {
    this.storageInstance ??= storageFromConfig(undefined, this.opts.env);
    return this.storageInstance;
  }

  private makeIssuer(cfg: IssuerConfig): Issuer {
    switch (cfg.module) {
      case 'internal':
        return new InternalIssuer(cfg, this.storage, this.storageDir, this.opts.authority);
      case 'acme':
        return new ACMEIssuer(cfg, { storage: this.storage, log: this.opts.log, ports: () => this.ports });
      default:
        return {
          module: cfg.module,
          issuerKey: cfg.module,
          issue: () => Promise.reject(new Error(`the ${cfg.module} issuer is not implemented yet`)),
        };
    }
  }

  /** The http app's ports: the ACME solvers' defaults, as Caddy sets alternate ports from http_port/https_port. */
  setPorts(http: number, https: number): void {
    this.ports = { http, https };
  }

  /** The config's log (the http app's automatic-HTTPS lines go where the manager's go). */
  get log(): EngineLog {
    return this.opts.log;
  }

  /** Names to have certificates for (automatic HTTPS); a name a loaded certificate covers is left alone unless ignoreLoaded. */
  want(names: Iterable<string>, opts: { ignoreLoaded?: boolean; server?: string } = {}): void {
    for (const raw of names) {
      const name = raw.toLowerCase();
      if (name === '' || name.includes('{') || this.managed.has(name)) continue;
      if (this.cache.get(name) !== null && opts.ignoreLoaded !== true) {
        if (opts.server !== undefined) {
          this.opts.log('info', 'http.auto_https', 'skipping automatic certificate management because one or more matching certificates are already loaded', { domain: name, server_name: opts.server });
        }
        continue;
      }
      const policy = this.policyFor(name);
      // On-demand names are obtained during handshakes, not at start.
      if (policy.cfg.onDemand === true) continue;
      this.managed.set(name, { policy, issuer: null, cert: null, ari: null });
      if (this.asyncStarted) this.manageOne(name);
    }
  }

  /** The automation policy for a name: the first listing it, internal for internal names, else the catch-all. */
  private policyFor(name: string): Policy {
    const n = name.toLowerCase();
    const listed = this.policies.find((p) => p.cfg.subjects.some((s) => subjectMatches(s.toLowerCase(), n)));
    if (listed !== undefined) return listed;
    if (isInternalName(n)) return this.internal;
    return this.policies.find((p) => p.cfg.subjects.length === 0) ?? this.defaultPolicy;
  }

  /** The issuers that would certify name, in the order they are tried. */
  issuersFor(name: string): readonly Issuer[] {
    return this.policyFor(name).issuers;
  }

  /** The policy settings for name (on-demand reads on_demand from it). */
  policyConfigFor(name: string): AutomationPolicy {
    return this.policyFor(name).cfg;
  }

  /** Whether the manager will have a certificate for the name (manual, wildcard, or managed). */
  covers(name: string): boolean {
    const n = name.toLowerCase();
    return this.managed.has(n) || this.cache.get(n) !== null || this.isOnDemand(n);
  }

  hasAny(): boolean {
    return this.managed.size > 0 || this.cache.size > 0 || this.onDemand !== null;
  }

  private newOnDemand(): OnDemand {
    const endpoint = this.opts.onDemand?.endpoint ?? null;
    return new OnDemand({
      permission: endpoint === null ? null : new PermissionByHTTP(endpoint, this.opts.log),
      source: this,
      log: this.opts.log,
      now: () => this.now().getTime(),
      limits: this.opts.onDemandLimits,
    });
  }

  /** A name whose certificate comes during handshakes: its policy is on demand and it is not managed. */
  private isOnDemand(name: string): boolean {
    return this.onDemand !== null && !this.managed.has(name) && this.policyFor(name).cfg.onDemand === true;
  }

  /**
   * Loads stored certificates and issues the internal ones (idempotent); the
   * http app waits for it before it listens. ACME names wait for manageAsync().
   */
  start(): Promise<void> {
    // At start, not construction: a config that is only validated never shows its certificates.
    if (!this.stopped) this.unregisterExpiry ??= registerCertificateExpiry(() => this.expiries());
    this.started ??= (async () => {
      if (this.onDemand !== null) warnUnprotectedOnDemand(this.opts.policies, this.opts.onDemand?.endpoint ?? null, this.opts.log);
      await Promise.all(
        [...this.managed].map(async ([name, m]) => {
          const cert = await this.loadStored(name);
          if (cert !== null && !this.needsRenewal(cert)) return;
          if (m.policy.allInternal) await this.obtain(name);
          else this.pendingAsync.add(name);
        }),
      );
    })();
    return this.started;
  }

  /** Starts obtaining what start() left to the background (ACME), and the maintenance loop. Called once the listeners are up. */
  manageAsync(): void {
    if (this.asyncStarted || this.stopped) return;
    this.asyncStarted = true;
    const keys = new Set<string>();
    for (const m of this.managed.values()) for (const i of m.policy.issuers) if (i.module === 'acme') keys.add(i.issuerKey);
    for (const p of this.policies) for (const i of p.issuers) if (i.module === 'acme') keys.add(i.issuerKey);
    if (keys.size > 0) this.removeChallengeSource = addChallengeSource({ storage: this.storage, issuerKeys: [...keys], log: this.opts.log });
    if (this.managed.size > 0) {
      this.opts.log('info', 'http', 'enabling automatic TLS certificate management', { domains: [...this.managed.keys()] });
      this.opts.log('info', 'tls.cache.maintenance', 'started background certificate maintenance');
    }
    for (const name of this.pendingAsync) this.manageOne(name);
    this.pendingAsync.clear();
    this.scheduleMaintenance();
  }

  private manageOne(name: string): void {
    const m = this.managed.get(name);
    if (m === undefined || (m.cert !== null && !this.needsRenewal(m.cert))) return;
    this.withRetry(name, m.cert !== null).catch(() => undefined);
  }

  stop(): void {
    if (this.asyncStarted && !this.stopped && this.managed.size > 0) this.opts.log('info', 'tls.cache.maintenance', 'stopped background certificate maintenance');
    this.stopped = true;
    this.abort.abort();
    if (this.maintenance !== null) clearTimeout(this.maintenance);
    this.maintenance = null;
    this.removeChallengeSource?.();
    this.removeChallengeSource = null;
    this.unregisterExpiry?.();
    this.unregisterExpiry = null;
    for (const p of [...this.policies, this.defaultPolicy, this.internal]) p.close();
  }

  /** The cache's certificates for the expiry metric, read when scraped. */
  private *expiries(): Iterable<CertificateExpiry> {
    for (const cert of this.cache.certificates()) {
      let issuer = this.issuerOf.get(cert);
      if (issuer === undefined) {
        // The user's own certificate has no issuer key: name its CA (parsed once).
        issuer = issuerCommonName(cert);
        this.issuerOf.set(cert, issuer);
      }
      yield { subject: cert.names[0] ?? '', issuer, managed: cert.managed, notAfter: Math.floor(cert.notAfter.getTime() / 1000) };
    }
  }

  /** The handshake's question: the context for a server name under the listener's policies. */
  secureContext(policies: readonly ConnectionPolicy[], serverName: string, hello: ClientHelloInfo): Promise<SecureContext> {
    let name = serverName.toLowerCase();
    let policy = selectPolicy(policies, name);
    if (policy === null) return Promise.reject(new Error(`no connection policy for server name ${serverName}`));
    if (name === '') name = policy.defaultSNI || (hello.localAddress ?? '');
    const filter = tagFilter(policy);
    let cert = name === '' ? null : this.cache.get(name, filter);
    if (this.onDemand !== null) {
      // certmagic: on-demand loading comes before default/fallback certificates. Only for
      // clients that sent SNI: the first context (no hello yet) must not start an issuance.
      const chosen = policy;
      if (cert !== null && this.onDemand.owns(cert)) {
        const kept = this.onDemand.maintain(cert, name, hello);
        if (kept !== cert) return (kept as Promise<Certificate>).then((c) => contextFor(c, chosen));
      } else if (cert === null && serverName !== '' && this.isOnDemand(name)) {
        return this.onDemand.get(name, hello).then((c) => contextFor(c, chosen));
      }
    }
    if (cert === null && policy.fallbackSNI !== '') {
      policy = selectPolicy(policies, policy.fallbackSNI) ?? policy;
      cert = this.cache.get(policy.fallbackSNI, tagFilter(policy));
    }
    if (cert === null && policy.defaultSNI !== '') cert = this.cache.get(policy.defaultSNI, filter);
    if (cert === null) return Promise.reject(new Error(`no certificate available for '${name}'`));
    return Promise.resolve(contextFor(cert, policy));
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** Whether renewal_window_ratio of the certificate's lifetime (or less) remains. */
  needsRenewal(cert: Certificate): boolean {
    const ratio = cert.names.length > 0 ? this.policyFor(cert.names[0]!).ratio : defaultRatio;
    return this.now().getTime() > this.renewalDue(cert, ratio);
  }

  private renewalDue(cert: Certificate, ratio: number): number {
    const from = cert.notBefore.getTime();
    const to = cert.notAfter.getTime();
    return to - (to - from) * ratio;
  }

  private async storedFrom(issuerKey: string, name: string): Promise<Certificate | null> {
    try {
      const res = await loadCertResource(this.storage, issuerKey, name);
      return makeCertificate(res.certificatePEM, res.privateKeyPEM, { managed: true });
    } catch (err) {
      if (isNotExist(err)) return null;
      this.opts.log('warn', 'tls', 'stored certificate unusable; issuing a new one', { identifier: name, issuer: issuerKey, error: (err as Error).message });
      return null;
    }
  }

  /**
   * The newest unexpired certificate storage has for name (exact, then its
   * wildcard) from any of its policy's issuers, put in the cache; null when none.
   */
  async loadStored(name: string): Promise<Certificate | null> {
    const n = name.toLowerCase();
    const issuers = this.policyFor(n).issuers;
    const candidates = [n];
    const dot = n.indexOf('.');
    if (dot > 0 && !n.startsWith('*.')) candidates.push('*' + n.slice(dot));
    for (const key of candidates) {
      let best: { cert: Certificate; issuer: Issuer } | null = null;
      for (const issuer of issuers) {
        const cert = await this.storedFrom(issuer.issuerKey, key);
        if (cert !== null && cert.notAfter > this.now() && (best === null || cert.notAfter > best.cert.notAfter)) best = { cert, issuer };
      }
      if (best !== null) {
        this.install(n, best.cert, best.issuer);
        return best.cert;
      }
    }
    return null;
  }

  private install(name: string, cert: Certificate, issuer: Issuer): void {
    if (this.stopped) return;
    this.cache.put(cert);
    this.issuerOf.set(cert, issuer.issuerKey);
    const m = this.managed.get(name);
    if (m !== undefined) {
      m.cert = cert;
      m.issuer = issuer;
      m.ari = null;
    }
    if (this.asyncStarted) this.scheduleMaintenance();
  }

  /**
   * A new certificate for name from its policy's issuers, tried in order:
   * under the issue lock, after checking storage again (another instance may
   * have just obtained it); stored, cached, returned. One attempt; concurrent
   * calls for a name share it.
   */
  obtain(name: string, opts: { renewal?: boolean; replaces?: string } = {}): Promise<Certificate> {
    const n = name.toLowerCase();
    let f = this.flights.get(n);
    if (f === undefined) {
      f = this.obtainLocked(n, opts).finally(() => this.flights.delete(n));
      this.flights.set(n, f);
    }
    return f;
  }

  private async obtainLocked(name: string, opts: { renewal?: boolean; replaces?: string }): Promise<Certificate> {
    const policy = this.policyFor(name);
    const logger = opts.renewal ? 'tls.renew' : 'tls.obtain';
    const log = this.opts.log;
    const lock = certIssueLockName(name);
    log('info', logger, 'acquiring lock', { identifier: name });
    await this.storage.lock(lock, { signal: this.abort.signal });
    log('info', logger, 'lock acquired', { identifier: name });
    try {
      const current = this.managed.get(name)?.cert ?? null;
      const again = await this.loadStored(name);
      if (again !== null && !this.needsRenewal(again) && (current === null || again.notAfter > current.notAfter || !opts.renewal)) {
        log('info', logger, opts.renewal ? 'certificate appears to have been renewed already' : 'certificate already exists in storage', { identifier: name });
        return again;
      }
      log('info', logger, opts.renewal ? 'renewing certificate' : 'obtaining certificate', { identifier: name });
      const { generateKey } = await import('./pki/keys.js');
      const key = generateKey(policy.cfg.keyType ?? 'p256');
      let lastErr: unknown = new Error('no issuers configured');
      const issuers = policy.issuers;
      for (let i = 0; i < issuers.length; i++) {
        const issuer = issuers[i]!;
        log('debug', logger, `trying issuer ${i + 1}/${issuers.length}`, { issuer: issuer.issuerKey });
        try {
          const res = await issuer.issue({ names: [name], key, signal: this.abort.signal, now: this.now(), replaces: opts.replaces });
          const cert = makeCertificate(res.certificatePEM, res.privateKeyPEM, { managed: true });
          await saveCertResource(this.storage, issuer.issuerKey, { sans: [name], certificatePEM: res.certificatePEM, privateKeyPEM: res.privateKeyPEM, issuerData: res.issuerData });
          log('info', logger, opts.renewal ? 'certificate renewed successfully' : 'certificate obtained successfully', { identifier: name, issuer: issuer.issuerKey });
          this.install(name, cert, issuer);
          return cert;
        } catch (err) {
          lastErr = err;
          log('error', logger, 'could not get certificate from issuer', { identifier: name, issuer: issuer.issuerKey, error: (err as Error).message });
        }
      }
      throw new Error(`[${name}] ${opts.renewal ? 'Renew' : 'Obtain'}: ${(lastErr as Error).message}`, { cause: lastErr });
    } finally {
      log('info', logger, 'releasing lock', { identifier: name });
      await this.storage.unlock(lock).catch((err: unknown) => log('error', logger, 'unable to unlock', { identifier: name, lock_key: lock, error: (err as Error).message }));
    }
  }

  /** obtain() with certmagic's retry schedule, in the background. */
  private withRetry(name: string, renewal: boolean, replaces?: string): Promise<void> {
    if (this.retrying.has(name)) return Promise.resolve();
    this.retrying.add(name);
    return doWithRetry(
      () => this.obtain(name, { renewal, replaces }).then(() => undefined),
      { log: this.opts.log, logger: renewal ? 'tls.renew' : 'tls.obtain', signal: this.abort.signal, scale: retryScale(this.opts.env), identifier: name },
    ).finally(() => this.retrying.delete(name));
  }

  // Maintenance (certmagic maintain.go): one timer for all managed certificates.

  private renewIntervalMs(): number {
    return this.opts.renewIntervalMs || defaultRenewIntervalMs;
  }

  private scheduleMaintenance(): void {
    if (this.stopped || !this.asyncStarted) return;
    if (this.maintenance !== null) clearTimeout(this.maintenance);
    const now = this.now().getTime();
    const interval = this.renewIntervalMs();
    let next = interval;
    for (const m of this.managed.values()) {
      if (m.cert === null) continue;
      const due = this.renewalDue(m.cert, m.policy.ratio) - now;
      // Wake when a certificate falls due, a little after (jitter spreads instances sharing storage).
      if (due < next) next = Math.max(0, due) + Math.random() * Math.min(1000, (m.cert.notAfter.getTime() - m.cert.notBefore.getTime()) / 100);
    }
    // Jitter on the interval itself, as certmagic's maintenance ticks are not in lockstep across instances.
    if (next === interval) next = interval * (0.9 + Math.random() * 0.2);
    this.maintenance = setTimeout(() => {
      this.maintenance = null;
      void this.maintain().finally(() => this.scheduleMaintenance());
    }, Math.min(Math.max(0, next), maxTimer));
    this.maintenance.unref();
  }

  private async maintain(): Promise<void> {
    const now = this.now().getTime();
    await Promise.all(
      [...this.managed].map(async ([name, m]) => {
        if (this.stopped || this.retrying.has(name)) return;
        if (m.cert === null) {
          this.withRetry(name, false).catch(() => undefined);
          return;
        }
        let replaces: string | undefined;
        let due = this.needsRenewal(m.cert);
        if (!due && m.issuer?.renewalHint !== undefined) {
          const ari = await this.ariWindow(m).catch((err: unknown) => {
            this.opts.log('warn', 'tls.cache.maintenance', 'updating ARI', { identifiers: m.cert?.names, error: (err as Error).message });
            return null;
          });
          if (ari !== null && now >= ari) {
            due = true;
            this.opts.log('info', 'tls.cache.maintenance', 'certificate needs renewal based on ARI window', { subjects: m.cert.names, window_start: m.ari?.hint.start.toISOString(), window_end: m.ari?.hint.end.toISOString() });
            replaces = m.ari?.hint.replaces;
          }
        }
        if (due) {
          this.opts.log('info', 'tls.cache.maintenance', 'certificate expires soon; queuing for renewal', { identifiers: m.cert.names, remaining: (m.cert.notAfter.getTime() - now) / 1000 });
          await this.withRetry(name, true, replaces);
        }
      }),
    );
  }

  /** The time (ms) ARI says to renew at: a random point of the suggested window, picked once per window. */
  private async ariWindow(m: Managed): Promise<number | null> {
    const now = this.now().getTime();
    if (m.ari === null || (m.ari.hint.retryAfter !== undefined && now >= m.ari.hint.retryAfter.getTime())) {
      const hint = await m.issuer!.renewalHint!(m.cert!);
      if (hint === null) return null;
      const start = hint.start.getTime();
      const at = start + Math.random() * Math.max(0, hint.end.getTime() - start);
      m.ari = { hint, at };
    }
    return m.ari.at;
  }
}
