/**
 * The ACME issuer (certmagic ACMEIssuer + acmez's order flow): one order per
 * issue(), each pending authorization solved with HTTP-01 or TLS-ALPN-01
 * (the enabled types in that order; a failed type is retried once with the
 * next one, as acmez does), then the CSR is finalized and the chain
 * downloaded, alternates included when preferred_chains asks. Challenge data
 * goes to storage before the CA is told to validate, so any instance sharing
 * the storage answers; this process also keeps it in memory.
 *
 * Log lines follow Caddy's (loggers tls.issuance.acme and
 * tls.issuance.acme.acme_client).
 */
import type { KeyObject } from 'node:crypto';
import type { EngineLog } from '../../core/log.js';
import type { Certificate } from '../certificate.js';
import { type ACMEChallenge, deleteChallenge, storeChallenge } from '../challenges.js';
import type { IssueRequest, IssuedCertificate, Issuer, RenewalHint } from '../issuer.js';
import type { Storage } from '../storage.js';
import { acmeIssuerKey } from '../storage_keys.js';
import { activateChallenge, deactivateChallenge } from './challenge_answer.js';
import { type ACMEClient, accountClient } from './client.js';
import type { ACMEIssuerConfig } from './config.js';
import { selectChain } from './chains.js';
import { type SolverListener, startSolverListener } from './solver_listener.js';

const clientLogger = 'tls.issuance.acme.acme_client';

export interface ACMEIssuerDeps {
  storage: Storage;
  log: EngineLog;
  /**
   * The ports this config's http app serves plain HTTP and HTTPS on; undefined
   * when no http app runs, and then the issuer listens on the challenge port itself.
   */
  ports: () => { http: number; https: number } | undefined;
}

interface ChallengeFailure extends Error {
  challengeFailed: true;
}

function challengeFailure(msg: string): ChallengeFailure {
  return Object.assign(new Error(msg), { challengeFailed: true as const });
}

export class ACMEIssuer implements Issuer {
  readonly module = 'acme';
  readonly issuerKey: string;
  private client: Promise<ACMEClient> | null = null;

  constructor(
    readonly cfg: ACMEIssuerConfig,
    private readonly deps: ACMEIssuerDeps,
  ) {
    this.issuerKey = acmeIssuerKey(cfg.ca);
  }

  private getClient(): Promise<ACMEClient> {
    if (this.client === null) {
      const p = accountClient(this.cfg, this.deps);
      // A failed registration is tried again at the next attempt.
      p.catch(() => {
        if (this.client === p) this.client = null;
      });
      this.client = p;
    }
    return this.client;
  }

  /** Challenge types to try, in order. */
  private challengeTypes(): string[] {
    const out: string[] = [];
    if (!this.cfg.http.disabled) out.push('http-01');
    if (!this.cfg.tlsALPN.disabled) out.push('tls-alpn-01');
    return out;
  }

  async issue(req: IssueRequest): Promise<IssuedCertificate> {
    const types = this.challengeTypes();
    if (types.length === 0) throw new Error('no challenge types enabled');
    const c = await this.getClient();
    const csr = await makeCSR(req.names, req.key);
    const { encodePrivateKey } = await import('../pki/keys.js');
    let lastErr: unknown;
    for (const type of types) {
      req.signal?.throwIfAborted();
      try {
        const { chain, orderURL } = await this.order(c, req, csr, type);
        return {
          certificatePEM: Buffer.from(chain),
          privateKeyPEM: Buffer.from(encodePrivateKey(req.key)),
          issuerData: { url: orderURL, ca: this.cfg.ca, account: c.accountURL },
        };
      } catch (err) {
        lastErr = err;
        if (!(err as Partial<ChallengeFailure>).challengeFailed) throw err;
        this.deps.log('error', clientLogger, 'challenge failed', { identifier: req.names.join(','), challenge_type: type, problem: (err as Error).message });
      }
    }
    throw lastErr;
  }

  private async order(c: ACMEClient, req: IssueRequest, csr: string, type: string): Promise<{ chain: string; orderURL: string }> {
    const { client } = c;
    const identifiers = req.names.map((n) => ({ type: isIPName(n) ? 'ip' : 'dns', value: n }));
    const payload: Record<string, unknown> = { identifiers };
    if (this.cfg.certificateLifetimeMs > 0) payload.notAfter = new Date(Date.now() + this.cfg.certificateLifetimeMs).toISOString();
    if (this.cfg.profile) payload.profile = this.cfg.profile;
    if (req.replaces) payload.replaces = req.replaces;
    const order = await client.createOrder(payload as unknown as Parameters<typeof client.createOrder>[0]);
    const authzs = await client.getAuthorizations(order);
    await Promise.all(
      authzs.map(async (authz) => {
        const identifier = authz.identifier.value;
        if (authz.status === 'valid') return;
        const chal = authz.challenges.find((ch) => ch.type === type);
        if (chal === undefined) throw challengeFailure(`no ${type} challenge offered for ${identifier}`);
        const keyAuthorization = await client.getChallengeKeyAuthorization(chal);
        const stored: ACMEChallenge = { type: chal.type, url: chal.url, status: chal.status, token: (chal as { token?: string }).token, keyAuthorization, identifier: authz.identifier };
        this.deps.log('info', clientLogger, 'trying to solve challenge', { identifier, challenge_type: type, ca: this.cfg.ca });
        const listener = await this.present(stored);
        try {
          await client.completeChallenge(chal);
          try {
            await client.waitForValidStatus(chal);
          } catch (err) {
            throw challengeFailure(`[${identifier}] solving challenge: ${(err as Error).message}`);
          }
        } finally {
          await this.cleanUp(stored, listener);
        }
        this.deps.log('info', clientLogger, 'authorization finalized', { identifier, authz_status: 'valid' });
      }),
    );
    this.deps.log('info', clientLogger, 'validations succeeded; finalizing order', { order: order.url });
    const finalized = await client.finalizeOrder(order, csr);
    const chain = await this.download(c, finalized);
    return { chain, orderURL: order.url };
  }

  /** Fetches the default chain and, when preferences are set, its alternates, and picks one. */
  private async download(c: ACMEClient, order: { url: string; status: string; certificate?: string }): Promise<string> {
    let o = order;
    if (o.status !== 'valid') o = await c.client.waitForValidStatus(o as Parameters<Client['waitForValidStatus']>[0]) as typeof o;
    if (!o.certificate) throw new Error('unable to download certificate: order has no certificate URL');
    const first = await c.api.apiRequest(o.certificate, null, [200]);
    const chains = [String(first.data)];
    const urls = [o.certificate];
    const prefs = this.cfg.preferredChains;
    const wanted = prefs.smallest !== null || prefs.rootCommonName.length > 0 || prefs.anyCommonName.length > 0;
    if (wanted) {
      for (const link of alternateLinks(first.headers.link)) {
        const alt = await c.api.apiRequest(link, null, [200]);
        chains.push(String(alt.data));
        urls.push(link);
      }
    }
    this.deps.log('info', clientLogger, 'successfully downloaded available certificate chains', { count: chains.length, first_url: urls[0] });
    return wanted ? selectChain(chains, prefs, this.deps.log) : chains[0]!;
  }

  /** distributedSolver.Present, plus a listener of its own when nothing of this process serves the challenge port. */
  private async present(chal: ACMEChallenge): Promise<SolverListener | null> {
    await storeChallenge(this.deps.storage, this.issuerKey, chal);
    activateChallenge(chal, this.deps.log);
    // The http app's servers answer (server.ts and listeners.ts hooks); without one, listen as certmagic does.
    if (this.deps.ports() !== undefined) return null;
    const port = chal.type === 'http-01' ? this.cfg.http.alternatePort || 80 : this.cfg.tlsALPN.alternatePort || 443;
    return startSolverListener(chal.type, this.cfg.bindHost, port);
  }

  private async cleanUp(chal: ACMEChallenge, listener: SolverListener | null): Promise<void> {
    deactivateChallenge(chal);
    await listener?.close();
    await deleteChallenge(this.deps.storage, this.issuerKey, chal).catch(() => undefined);
  }

  close(): void {
    this.client?.then((c) => c.agent.destroy(), () => undefined);
  }

  /** ARI: the CA's renewal window for cert, when its directory has renewalInfo. */
  async renewalHint(cert: Certificate): Promise<RenewalHint | null> {
    const c = await this.getClient();
    const dir = await c.directory();
    const base = dir.renewalInfo;
    if (typeof base !== 'string' || base === '') return null;
    const { ariCertID, fetchRenewalInfo } = await import('./ari.js');
    const hint = await fetchRenewalInfo(c, base, ariCertID(cert.certPEM));
    return { ...hint, replaces: ariCertID(cert.certPEM) };
  }
}

type Client = ACMEClient['client'];

function isIPName(n: string): boolean {
  return /^[0-9.]+$/.test(n) || n.includes(':');
}

/** The URLs of Link: <...>;rel="alternate" headers. */
function alternateLinks(header: string | string[] | undefined): string[] {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  const out: string[] = [];
  for (const v of values) {
    for (const part of v.split(/,(?=\s*<)/)) {
      const m = /<([^>]+)>\s*;.*rel="?alternate"?/i.exec(part);
      if (m) out.push(m[1]!);
    }
  }
  return out;
}

/** certmagic's generateCSR: no subject, the names as SANs (DNS or IP). */
async function makeCSR(names: readonly string[], key: KeyObject): Promise<string> {
  const [{ x509 }, { webKeyPair }] = await Promise.all([import('../pki/x509.js'), import('../pki/keys.js')]);
  const pair = await webKeyPair(key);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys: { privateKey: pair.privateKey, publicKey: pair.publicKey },
    signingAlgorithm: pair.signingAlgorithm,
    extensions: [new x509.SubjectAlternativeNameExtension(names.map((n) => (isIPName(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n })))],
  });
  return csr.toString('pem');
}
