/**
 * The `tls` app (caddytls.TLS): provisions the config's certificate manager
 * (manual certificates are read here, so a bad path fails the load) and, at
 * start, obtains the managed certificates before the http app listens (it
 * starts first). The http app finds this config's manager through the
 * handoff below and adds the names automatic HTTPS wants.
 */
import type { App, AppContext, AppModule } from '../../core/app.js';
import { CertManager, type AuthorityLoader, type AutomationPolicy } from '../../tls/manager.js';
import type { Certificate } from '../../tls/certificate.js';
import { dataDir, storageFromConfig } from '../../tls/data_dir.js';
import type { Storage } from '../../tls/storage.js';
import type { CertificateAuthority } from '../../tls/pki/ca.js';
import { decodeTLSApp } from './config.js';

/** The manager a config's tls app provisioned, until that config's http app takes it. */
interface Handoff {
  pending: CertManager | null;
}

function handoff(ctx: AppContext): Handoff {
  return ctx.shared('tls.handoff', (): Handoff => ({ pending: null }));
}

/** CAs by storage and id for the Runtime's life: loading one may create keys, so it happens once. */
function authorityLoader(ctx: AppContext): AuthorityLoader {
  const cas = ctx.shared('tls.authorities', () => new Map<string, Promise<CertificateAuthority>>());
  return (storage, dir, id) => {
    const key = `${dir}\n${id}`;
    let p = cas.get(key);
    if (p === undefined) {
      p = import('../../tls/pki/ca.js').then(({ CertificateAuthority }) => CertificateAuthority.load(storage, { id }));
      p.catch(() => cas.delete(key));
      cas.set(key, p);
    }
    return p;
  };
}

/**
 * The config's storage (top-level `storage`, else the data dir), one object
 * per description for the Runtime's life, so its locks and the CA cache are
 * shared by every config that names the same place.
 */
function configStorage(ctx: AppContext): { storage: Storage; id: string } {
  const id = ctx.storage === undefined || ctx.storage === null ? dataDir(ctx.env) : JSON.stringify(ctx.storage);
  const all = ctx.shared('tls.storages', () => new Map<string, Storage>());
  let storage = all.get(id);
  if (storage === undefined) {
    try {
      storage = storageFromConfig(ctx.storage, ctx.env);
    } catch (err) {
      throw new Error(`loading storage module: ${(err as Error).message}`, { cause: err });
    }
    all.set(id, storage);
  }
  return { storage, id };
}

export function newCertManager(ctx: AppContext, cfg: { manual: Certificate[]; automate: string[]; policies: AutomationPolicy[]; renewIntervalMs?: number }): CertManager {
  const { storage, id } = configStorage(ctx);
  return new CertManager({ ...cfg, env: ctx.env, log: ctx.runtimeLog, authority: authorityLoader(ctx), storage, storageID: id });
}

/**
 * The http app's side: this config's manager (its tls app's, or a new one
 * with no settings when the config has no tls app, as Caddy makes one for
 * automatic HTTPS).
 */
export function takeCertManager(ctx: AppContext): { manager: CertManager; owned: boolean } {
  const h = handoff(ctx);
  const pending = h.pending;
  h.pending = null;
  const manager = pending ?? newCertManager(ctx, { manual: [], automate: [], policies: [] });
  // The http app starts the ACME work once it listens: the CA validates through its listeners.
  manager.servedByHTTP = true;
  return { manager, owned: pending === null };
}

class TLSApp implements App {
  constructor(
    private readonly manager: CertManager,
    private readonly h: Handoff,
  ) {}

  async start(): Promise<void> {
    if (this.h.pending === this.manager) this.h.pending = null;
    await this.manager.start();
    if (!this.manager.servedByHTTP) this.manager.manageAsync();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  cleanup(): Promise<void> {
    if (this.h.pending === this.manager) this.h.pending = null;
    this.manager.stop();
    return Promise.resolve();
  }
}

export const tlsAppModule: AppModule = {
  name: 'tls',
  provision(json, ctx) {
    let cfg;
    try {
      cfg = decodeTLSApp(json, ctx.env);
    } catch (err) {
      throw new Error(`loading tls app module: provision tls: ${(err as Error).message}`, { cause: err });
    }
    const manager = newCertManager(ctx, cfg);
    const h = handoff(ctx);
    h.pending = manager;
    return new TLSApp(manager, h);
  },
};
