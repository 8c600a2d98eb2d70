/**
 * One config's certificates (caddytls.TLS + certmagic.Config, trimmed to
 * what tsweb issues today): the manual certificates, and a certificate per
 * name automatic HTTPS or `certificates.automate` asks for, from the issuer
 * its automation policy names. The internal issuer's leaves are loaded from
 * storage or issued under the storage lock `issue_cert_<name>` (so other
 * instances sharing the storage reuse them), then renewed when a third of
 * their lifetime remains by an unref'd timer, swapped into the cache in place.
 * Names that need ACME get no certificate yet and are reported.
 *
 * `secureContext(serverName, hello)` is the one function the listeners call
 * during a handshake; it is async and takes plain data, so the manager can
 * later move to another thread or process.
 */
import { isIP } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { EngineLog } from '../core/log.js';
import { loadCertResource, saveCertResource } from './cert_resource.js';
import { CertCache } from './cache.js';
import { type Certificate, makeCertificate } from './certificate.js';
import { type ConnectionPolicy, contextFor, selectPolicy, tagFilter } from './connection_policy.js';
import { dataDir, storageFromConfig } from './data_dir.js';
import { isNotExist, type Storage, withLock } from './storage.js';
import { certIssueLockName, internalIssuerKey } from './storage_keys.js';
import type { CertificateAuthority } from './pki/ca.js';

export interface InternalIssuerConfig {
  module: 'internal';
  ca: string;
  /** 0 = the issuer's default (12 h). */
  lifetimeMs: number;
  signWithRoot: boolean;
}
export type IssuerConfig = InternalIssuerConfig | { module: 'acme' | 'zerossl' };

export interface AutomationPolicy {
  /** Empty: every name no other policy lists. */
  subjects: readonly string[];
  /** Empty: Caddy's default issuers (ACME). */
  issuers: readonly IssuerConfig[];
}

/** What the handshake knows about the client (plain data: it may cross a thread). */
export interface ClientHelloInfo {
  /** The local address the connection came in on (used for the IP of a client that sent no SNI). */
  localAddress?: string;
}

/** certmagic.SubjectIsInternal + Caddy's rule that every IP goes to the internal issuer. */
export function isInternalName(name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (isIP(n.replace(/^\[|\]$/g, ''))) return true;
  return n === 'localhost' || n.endsWith('.localhost') || n.endsWith('.local') || n.endsWith('.internal') || n.endsWith('.home.arpa');
}

const defaultInternal: InternalIssuerConfig = { module: 'internal', ca: 'local', lifetimeMs: 0, signWithRoot: false };

function subjectMatches(subject: string, name: string): boolean {
  if (subject === name) return true;
  if (!subject.startsWith('*.')) return false;
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot + 1) === subject.slice(2);
}

/** Authorities by data dir and id, shared by every config of a Runtime (loading one makes keys). */
export type AuthorityLoader = (storage: Storage, key: string, id: string) => Promise<CertificateAuthority>;

export interface ManagerOptions {
  policies: readonly AutomationPolicy[];
  manual: readonly Certificate[];
  automate: readonly string[];
  env: NodeJS.ProcessEnv;
  log: EngineLog;
  authority: AuthorityLoader;
  now?: () => Date;
}

const maxTimer = 2 ** 31 - 1;

export class CertManager {
  readonly cache = new CertCache();
  /** Managed names and their issuer. */
  private readonly managed = new Map<string, InternalIssuerConfig>();
  private readonly needACME = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private started: Promise<void> | null = null;
  private stopped = false;
  private readonly storageDir: string;
  private storageInstance: Storage | null = null;

  constructor(private readonly opts: ManagerOptions) {
    for (const c of opts.manual) this.cache.put(c);
    this.storageDir = dataDir(opts.env);
    this.want(opts.automate);
  }

  private get storage(): Storage {
    this.storageInstance ??= storageFromConfig(undefined, this.opts.env);
    return this.storageInstance;
  }

  /** Names to have certificates for (automatic HTTPS); a name a manual certificate covers is left alone. */
  want(names: Iterable<string>): void {
    for (const raw of names) {
      const name = raw.toLowerCase();
      if (name === '' || name.includes('{') || this.managed.has(name) || this.needACME.has(name)) continue;
      if (this.cache.get(name) !== null) continue;
      const issuer = this.issuerFor(name);
      if (issuer === null) this.needACME.add(name);
      else this.managed.set(name, issuer);
    }
  }

  /** The internal issuer the name's policy names, or null when it would take ACME. */
  private issuerFor(name: string): InternalIssuerConfig | null {
    const { policies } = this.opts;
    let policy = policies.find((p) => p.subjects.some((s) => subjectMatches(s.toLowerCase(), name)));
    if (policy === undefined && isInternalName(name)) return defaultInternal;
    policy ??= policies.find((p) => p.subjects.length === 0);
    if (policy === undefined) return null;
    // No ACME yet: an internal issuer anywhere in the list is the one that can answer.
    const internal = policy.issuers.find((i): i is InternalIssuerConfig => i.module === 'internal');
    return internal ?? null;
  }

  /** Names that would need ACME, which tsweb does not speak yet. */
  acmeNames(): string[] {
    return [...this.needACME];
  }

  /** Whether the manager will have a certificate for the name (manual, wildcard, or managed). */
  covers(name: string): boolean {
    const n = name.toLowerCase();
    return this.managed.has(n) || this.cache.get(n) !== null;
  }

  hasAny(): boolean {
    return this.managed.size > 0 || this.cache.size > 0;
  }

  /** Obtains every managed certificate (idempotent); the http app waits for it before it listens. */
  start(): Promise<void> {
    this.started ??= (async () => {
      await Promise.all([...this.managed].map(([name, issuer]) => this.obtain(name, issuer)));
    })();
    return this.started;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** The handshake's question: the context for a server name under the listener's policies. */
  secureContext(policies: readonly ConnectionPolicy[], serverName: string, hello: ClientHelloInfo): Promise<SecureContext> {
    let name = serverName.toLowerCase();
    let policy = selectPolicy(policies, name);
    if (policy === null) return Promise.reject(new Error(`no connection policy for server name ${serverName}`));
    if (name === '') name = policy.defaultSNI || (hello.localAddress ?? '');
    const filter = tagFilter(policy);
    let cert = name === '' ? null : this.cache.get(name, filter);
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

  private needsRenewal(c: Certificate): boolean {
    const from = c.notBefore.getTime();
    const to = c.notAfter.getTime();
    return this.now().getTime() > to - (to - from) / 3;
  }

  private async stored(issuerKey: string, name: string): Promise<Certificate | null> {
    try {
      const res = await loadCertResource(this.storage, issuerKey, name);
      return makeCertificate(res.certificatePEM, res.privateKeyPEM, { managed: true });
    } catch (err) {
      if (isNotExist(err)) return null;
      this.opts.log('warn', 'tls', 'stored certificate unusable; issuing a new one', { identifier: name, error: (err as Error).message });
      return null;
    }
  }

  /** From storage when still fresh, else a new leaf from the internal CA; cached and scheduled for renewal. */
  private async obtain(name: string, issuer: InternalIssuerConfig): Promise<void> {
    const issuerKey = internalIssuerKey(issuer.ca);
    let cert = await this.stored(issuerKey, name);
    if (cert === null || this.needsRenewal(cert)) {
      cert = await withLock(this.storage, certIssueLockName(name), async () => {
        // Another instance may have renewed it while this one waited for the lock.
        const again = await this.stored(issuerKey, name);
        if (again !== null && !this.needsRenewal(again)) return again;
        const ca = await this.opts.authority(this.storage, this.storageDir, issuer.ca);
        const { issueLeaf } = await import('./pki/leaf.js');
        const leaf = await issueLeaf(ca, { names: [name], lifetimeMs: issuer.lifetimeMs || undefined, signWithRoot: issuer.signWithRoot, now: this.now() });
        await saveCertResource(this.storage, issuerKey, leaf);
        this.opts.log('info', 'tls.obtain', 'certificate obtained successfully', { identifier: name, issuer: issuerKey });
        return makeCertificate(leaf.certificatePEM, leaf.privateKeyPEM, { managed: true });
      });
    }
    if (this.stopped) return;
    this.cache.put(cert);
    this.schedule(name, issuer, cert);
  }

  private schedule(name: string, issuer: InternalIssuerConfig, cert: Certificate, retryMs?: number): void {
    const from = cert.notBefore.getTime();
    const to = cert.notAfter.getTime();
    const due = retryMs ?? Math.max(0, to - (to - from) / 3 - this.now().getTime()) + 1;
    const timer = setTimeout(() => {
      this.timers.delete(name);
      this.obtain(name, issuer).catch((err: unknown) => {
        this.opts.log('error', 'tls.renew', 'could not renew certificate', { identifier: name, error: (err as Error).message });
        if (!this.stopped) this.schedule(name, issuer, cert, Math.min(60_000, Math.max(1000, (to - from) / 10)));
      });
    }, Math.min(due, maxTimer));
    timer.unref();
    this.timers.set(name, timer);
  }
}
