/**
 * An acme-client Client for one issuer and its account (certmagic
 * acmeclient.go newACMEClientWithAccount, account.go): the account key and
 * registration live at acme/<issuer-key>/users/<email>/ in certmagic's
 * layout and are reused on restart (and by Caddy, from a copied data dir);
 * a new account is registered under a storage lock so instances sharing the
 * storage register once. acme-client is loaded on first use: no verb pays
 * for it at start-up.
 *
 * Every request of the client goes through the issuer's own HTTPS agent
 * (its trusted roots, no proxy from the environment), and acme-client's
 * polling starts at 100 ms rather than its 5 s default (toolchain notes §4).
 */
import { Agent } from 'node:https';
import type { Client } from 'acme-client';
import type { EngineLog } from '../../core/log.js';
import { isNotExist, type Storage, storeAll, withLock } from '../storage.js';
import { acmeIssuerKey, acmeUserPrivateKey, acmeUserReg } from '../storage_keys.js';
import type { ACMEIssuerConfig } from './config.js';

type ACMEModule = typeof import('acme-client');
let acmeModule: Promise<ACMEModule> | null = null;

/** acme-client, with its request retries bounded: tsweb's own retry schedule sits above them. */
export function loadACME(): Promise<ACMEModule> {
  acmeModule ??= import('acme-client').then((m) => {
    const mod = ((m as unknown as { default?: ACMEModule }).default ?? m) as ACMEModule;
    const settings = (mod.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number; retryDefaultDelay: number } }).acmeSettings;
    // Its default (5 tries, 5 s apart and growing) hides an unreachable CA for over a minute per attempt.
    settings.retryMaxAttempts = 2;
    settings.retryDefaultDelay = 1;
    return mod;
  });
  return acmeModule;
}

/** acme-client's HTTP layer, reached so each issuer can use its own agent. */
interface HttpLayer {
  request(url: string, method: string, opts?: Record<string, unknown>): Promise<{ status: number; data: unknown; headers: Record<string, string | undefined> }>;
  getDirectory(): Promise<Record<string, unknown>>;
}
interface ApiLayer {
  apiRequest(url: string, payload: unknown, validStatusCodes?: number[]): Promise<{ status: number; data: unknown; headers: Record<string, string | undefined> }>;
}

export interface ACMEClient {
  client: Client;
  agent: Agent;
  http: HttpLayer;
  api: ApiLayer;
  accountURL: string;
  directory(): Promise<Record<string, unknown>>;
}

/** acmez's Account as certmagic stores it (<username>.json). */
interface StoredAccount {
  status?: string;
  contact?: string[];
  termsOfServiceAgreed?: boolean;
  orders?: string;
  location?: string;
}

export interface ClientDeps {
  storage: Storage;
  log: EngineLog;
}

function agentFor(cfg: ACMEIssuerConfig): Agent {
  return new Agent({ keepAlive: true, ca: cfg.trustedRoots.length > 0 ? cfg.trustedRoots : undefined });
}

function wrap(client: Client, agent: Agent, timeoutMs: number): ACMEClient {
  const inner = client as unknown as { http: HttpLayer; api: ApiLayer };
  const http = inner.http;
  const request = http.request.bind(http);
  http.request = (url, method, opts = {}) => request(url, method, { ...opts, httpsAgent: agent, proxy: false, timeout: timeoutMs || 60_000 });
  return {
    client,
    agent,
    http,
    api: inner.api,
    get accountURL() {
      return client.getAccountUrl();
    },
    directory: () => http.getDirectory(),
  };
}

/**
 * The issuer's client with a registered account: loaded from storage, else
 * created (key P-256, as certmagic) and registered, agreeing to the CA's terms
 * as Caddy does.
 */
export async function accountClient(cfg: ACMEIssuerConfig, deps: ClientDeps): Promise<ACMEClient> {
  const acme = await loadACME();
  const { generateKey, encodePrivateKey } = await import('../pki/keys.js');
  const issuerKey = acmeIssuerKey(cfg.ca);
  const regKey = acmeUserReg(issuerKey, cfg.email);
  const keyKey = acmeUserPrivateKey(issuerKey, cfg.email);
  const agent = agentFor(cfg);
  const eab = cfg.eab ? { kid: cfg.eab.keyID, hmacKey: cfg.eab.macKey } : undefined;
  const log = deps.log;

  const load = async (): Promise<{ key: Buffer; reg: StoredAccount } | null> => {
    try {
      const key = await deps.storage.load(keyKey);
      const reg = JSON.parse((await deps.storage.load(regKey)).toString('utf8')) as StoredAccount;
      return { key, reg };
    } catch (err) {
      if (isNotExist(err)) return null;
      throw new Error(`loading ACME account: ${(err as Error).message}`, { cause: err });
    }
  };
  const make = (key: Buffer, accountUrl?: string): ACMEClient =>
    wrap(new acme.Client({ directoryUrl: cfg.ca, accountKey: key, accountUrl, externalAccountBinding: eab, backoffAttempts: 20, backoffMin: 100, backoffMax: 3000 }), agent, cfg.timeoutMs);

  let stored = await load();
  if (stored === null || !stored.reg.location) {
    stored = await withLock(deps.storage, `register_acme_account_${cfg.email}`, async () => {
      // Another instance may have registered it while this one waited.
      const again = await load();
      if (again !== null && again.reg.location) return again;
      const key = again?.key ?? Buffer.from(encodePrivateKey(generateKey('p256')));
      log('info', 'tls.issuance.acme', 'ACME account has empty status; registering account with ACME server', { contact: cfg.email ? [`mailto:${cfg.email}`] : [], location: '' });
      const c = make(key);
      const contact = cfg.email ? [`mailto:${cfg.email}`] : undefined;
      const account = await c.client.createAccount({ termsOfServiceAgreed: true, contact });
      const reg: StoredAccount = { status: account.status, contact: account.contact, termsOfServiceAgreed: true, orders: account.orders, location: c.accountURL };
      // Key first: a registration never sits in storage without the key it was made with.
      await storeAll(deps.storage, [
        [keyKey, key],
        [regKey, JSON.stringify(reg, null, '\t')],
      ]);
      log('info', 'tls.issuance.acme', 'new ACME account registered', { contact: reg.contact ?? [], status: reg.status });
      return { key, reg };
    });
  }
  const c = make(stored.key, stored.reg.location);
  log('info', 'tls.issuance.acme', 'using ACME account', { account_id: stored.reg.location, account_contact: stored.reg.contact ?? [] });
  return c;
}
