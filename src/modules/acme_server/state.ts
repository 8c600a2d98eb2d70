/**
 * The ACME server's database: one JSON file per account, order and
 * authorization under `<data dir>/acme_server/<ca>/` (where Caddy keeps its
 * smallstep bbolt file, `db`, which tsweb neither reads nor writes), so every
 * request worker and every process sharing the data directory sees the same
 * state: an order made through one worker is finalized through another.
 * Files are replaced by rename, so a reader never sees half an object.
 *
 * Nonces are files too: issuing one creates `nonces/<n>`, using it unlinks
 * that file, and only one unlink of a file succeeds, so a nonce is accepted
 * once across workers and processes. Unused ones are swept after an hour,
 * orders and authorizations after 30 days.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { JsonWebKey } from 'node:crypto';
import type { Identifier } from './policy.js';
import type { ChallengeType } from './config.js';
import type { ProblemJSON } from './problem.js';

export interface AccountRecord {
  id: string;
  /** The current key's RFC 7638 thumbprint. */
  thumbprint: string;
  status: 'valid' | 'deactivated' | 'revoked';
  contact: string[];
  jwk: JsonWebKey;
  createdAt: string;
}

export interface ChallengeRecord {
  type: ChallengeType;
  token: string;
  status: 'pending' | 'processing' | 'valid' | 'invalid';
  validated?: string;
  error?: ProblemJSON;
}

export interface AuthzRecord {
  id: string;
  accountId: string;
  identifier: Identifier;
  wildcard: boolean;
  expires: string;
  status: 'pending' | 'valid' | 'invalid' | 'deactivated';
  challenges: ChallengeRecord[];
}

export interface OrderRecord {
  id: string;
  accountId: string;
  identifiers: Identifier[];
  authzIds: string[];
  expires: string;
  notBefore?: string;
  notAfter?: string;
  certId?: string;
  error?: ProblemJSON;
}

export interface CertRecord {
  id: string;
  accountId: string;
  /** Hex, lower case, as the revocation list keys it. */
  serial: string;
}

const thumbprintOf = (a: AccountRecord): string => a.thumbprint;

/** IDs this server makes: 128 random bits, base64url; anything else in a URL names nothing. */
export const newID = (): string => randomBytes(16).toString('base64url');
const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
export const validID = (id: string): boolean => idPattern.test(id);

/** Serials as hex without leading zeros, lower case: one spelling whoever printed it. */
export const normSerial = (s: string): string => s.toLowerCase().replace(/^0+(?=.)/, '');

const nonceMaxAgeMs = 3600_000;
const staleAfterMs = 30 * 24 * 3600_000;

/** caddy's getDatabaseKey: lower-cased, trimmed, its keyCleaner applied (plus no path separators). */
export function databaseKey(ca: string): string {
  return ca.trim().toLowerCase().replace(/[^\w.-_]/g, '').replace(/[/\\]/g, '').replace(/^\.+$/, '_');
}

export class ACMEState {
  private readonly made = new Map<string, Promise<unknown>>();

  constructor(readonly dir: string) {}

  private async ensureDir(sub: string): Promise<string> {
    const d = join(this.dir, sub);
    let p = this.made.get(sub);
    if (!p) {
      p = fsp.mkdir(d, { recursive: true, mode: 0o700 });
      p.catch(() => this.made.delete(sub));
      this.made.set(sub, p);
    }
    await p;
    return d;
  }

  private async write(sub: string, name: string, data: string): Promise<void> {
    const d = await this.ensureDir(sub);
    const tmp = join(d, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    await fsp.writeFile(tmp, data, { mode: 0o600 });
    await fsp.rename(tmp, join(d, name));
  }

  private async read<T>(sub: string, name: string): Promise<T | undefined> {
    if (!validID(name.replace(/\.(json|pem)$/, ''))) return undefined;
    try {
      return JSON.parse(await fsp.readFile(join(this.dir, sub, name), 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  // Nonces.
  async newNonce(): Promise<string> {
    const d = await this.ensureDir('nonces');
    const n = randomBytes(16).toString('base64url');
    await fsp.writeFile(join(d, n), '', { flag: 'wx' });
    return n;
  }

  /** True once per nonce this server issued. */
  async useNonce(n: string): Promise<boolean> {
    if (!validID(n)) return false;
    try {
      const path = join(this.dir, 'nonces', n);
      const st = await fsp.stat(path);
      await fsp.unlink(path);
      return Date.now() - st.mtimeMs < nonceMaxAgeMs;
    } catch {
      return false;
    }
  }

  /** Removes nonces older than an hour (issued and never used). */
  sweepNonces(now = Date.now()): Promise<number> {
    return this.sweep('nonces', nonceMaxAgeMs, now);
  }

  /**
   * Removes orders and authorizations untouched for 30 days (they expire
   * after one); certificates and serials stay, for download and revocation.
   */
  async sweepOld(now = Date.now()): Promise<number> {
    return (await this.sweep('orders', staleAfterMs, now)) + (await this.sweep('authz', staleAfterMs, now));
  }

  private async sweep(sub: string, maxAgeMs: number, now: number): Promise<number> {
    let names: string[];
    const d = join(this.dir, sub);
    try {
      names = await fsp.readdir(d);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const n of names) {
      try {
        const st = await fsp.stat(join(d, n));
        if (now - st.mtimeMs >= maxAgeMs) {
          await fsp.unlink(join(d, n));
          removed++;
        }
      } catch {
        // Used or swept meanwhile.
      }
    }
    return removed;
  }

  // Accounts; `keys/<thumbprint>` names the account a key belongs to (newAccount, key-change).
  account(id: string): Promise<AccountRecord | undefined> {
    return this.read('accounts', `${id}.json`);
  }
  putAccount(a: AccountRecord): Promise<void> {
    return this.write('accounts', `${a.id}.json`, JSON.stringify(a));
  }
  async accountByKey(thumbprint: string): Promise<AccountRecord | undefined> {
    if (!validID(thumbprint)) return undefined;
    let id: string;
    try {
      id = await fsp.readFile(join(this.dir, 'keys', thumbprint), 'utf8');
    } catch {
      return undefined;
    }
    const a = await this.account(id);
    return a && thumbprintOf(a) === thumbprint ? a : undefined;
  }
  setKey(thumbprint: string, accountId: string): Promise<void> {
    return this.write('keys', thumbprint, accountId);
  }
  async dropKey(thumbprint: string): Promise<void> {
    await fsp.rm(join(this.dir, 'keys', thumbprint), { force: true });
  }

  order(id: string): Promise<OrderRecord | undefined> {
    return this.read('orders', `${id}.json`);
  }
  putOrder(o: OrderRecord): Promise<void> {
    return this.write('orders', `${o.id}.json`, JSON.stringify(o));
  }

  authz(id: string): Promise<AuthzRecord | undefined> {
    return this.read('authz', `${id}.json`);
  }
  putAuthz(a: AuthzRecord): Promise<void> {
    return this.write('authz', `${a.id}.json`, JSON.stringify(a));
  }

  cert(id: string): Promise<CertRecord | undefined> {
    return this.read('certs', `${id}.json`);
  }
  async certPEM(id: string): Promise<string | undefined> {
    if (!validID(id)) return undefined;
    try {
      return await fsp.readFile(join(this.dir, 'certs', `${id}.pem`), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
  async putCert(c: CertRecord, pem: string): Promise<void> {
    await this.write('certs', `${c.id}.pem`, pem);
    await this.write('certs', `${c.id}.json`, JSON.stringify(c));
    await this.write('serials', normSerial(c.serial), c.accountId);
  }

  /** The account that ordered the certificate with this serial, if this CA issued it. */
  async serialOwner(serial: string): Promise<string | undefined> {
    const s = normSerial(serial);
    if (!/^[0-9a-f]{1,64}$/.test(s)) return undefined;
    try {
      return await fsp.readFile(join(this.dir, 'serials', s), 'utf8');
    } catch {
      return undefined;
    }
  }

  /** Marks a serial revoked; false when it already was. */
  async revoke(serial: string, reason: number): Promise<boolean> {
    serial = normSerial(serial);
    const d = await this.ensureDir('revoked');
    try {
      await fsp.writeFile(join(d, serial), JSON.stringify({ reason, at: new Date().toISOString() }), { flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }
  async isRevoked(serial: string): Promise<boolean> {
    serial = normSerial(serial);
    try {
      await fsp.stat(join(this.dir, 'revoked', serial));
      return true;
    } catch {
      return false;
    }
  }
}
