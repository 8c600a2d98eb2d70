/**
 * The ACME server proper (RFC 8555 §7): one request in, one response out,
 * with no knowledge of Ctx or sockets (handler.ts adapts it), so the
 * endpoints are the same code whichever worker or listener a request came
 * through. Its state is ACMEState's files; the CA is loaded on first use.
 */
import { randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import type { EngineLog } from '../../core/log.js';
import type { CertificateAuthority } from '../../tls/pki/ca.js';
import type { ACMEServerConfig, ChallengeType } from './config.js';
import { keyFromJWK, parseJWS, publicJWK, thumbprint, verifyJWS, type ParsedJWS } from './jws.js';
import type { Identifier } from './policy.js';
import { Problem } from './problem.js';
import { accountJSON, authzJSON, authzStatus, challengeJSON, directoryJSON, links, orderJSON, orderStatus, type Links } from './resources.js';
import { ACMEState, newID, validID, type AccountRecord, type AuthzRecord, type OrderRecord } from './state.js';
import { validateHTTP01, validateTLSALPN01, type ValidationPorts } from './validate.js';

export interface ACMERequest {
  method: string;
  /** The path below the handler's prefix, e.g. `local/new-order`. */
  rest: string;
  /** Where the client reached us (the Host header), for URLs when `host` is not set. */
  hostport: string;
  /** The Content-Type header, '' when absent. */
  contentType: string;
  body: Buffer;
}

export interface ACMEResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

const orderLifetimeMs = 24 * 3600_000;
const maxValidityMs = 365 * 24 * 3600_000;
const logger = 'http.handlers.acme_server';

export interface ServerDeps {
  config: ACMEServerConfig;
  state: ACMEState;
  authority: () => Promise<CertificateAuthority>;
  ports: ValidationPorts;
  log: EngineLog;
  now?: () => number;
}

interface Authed {
  jws: ParsedJWS;
  /** Set for kid-signed requests (and newAccount once found or made). */
  account?: AccountRecord;
  key: KeyObject;
  payload: unknown;
}

class MethodNotAllowed extends Error {}

const json = (status: number, body: unknown, headers: Record<string, string | string[]> = {}): ACMEResponse => ({
  status,
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

export class ACMEServer {
  private readonly cfg: ACMEServerConfig;
  private readonly state: ACMEState;
  private readonly now: () => number;
  /** Validations this worker is running, so a repeated POST does not start another. */
  private readonly validating = new Set<string>();

  constructor(private readonly deps: ServerDeps) {
    this.cfg = deps.config;
    this.state = deps.state;
    this.now = deps.now ?? Date.now;
  }

  /** smallstep's linker: the request's host when it has one (so `host` is only the fallback), always https. */
  base(hostport: string): string {
    return `https://${hostport || this.cfg.host}${this.cfg.pathPrefix}${this.cfg.ca}/`;
  }

  /** Every answer gets a fresh nonce and the directory's Link (RFC 8555 §6.5, §7.1). */
  async serve(req: ACMERequest): Promise<ACMEResponse> {
    const l = links(this.base(req.hostport));
    let res: ACMEResponse;
    try {
      res = await this.route(req, l);
    } catch (err) {
      // The router's answer, as Caddy's (chi) gives it: no body, no problem document.
      if (err instanceof MethodNotAllowed) return { status: 405, headers: {}, body: '' };
      const p = err instanceof Problem ? err : new Problem('serverInternal', 'the server could not complete the request');
      if (!(err instanceof Problem)) this.deps.log('error', logger, 'acme_server request failed', { error: (err as Error).message, path: req.rest });
      res = { status: p.status, headers: { 'Content-Type': 'application/problem+json' }, body: JSON.stringify(p.toJSON()) };
    }
    try {
      res.headers['Replay-Nonce'] = await this.state.newNonce();
    } catch (err) {
      this.deps.log('error', logger, 'making a nonce', { error: (err as Error).message });
    }
    res.headers['Cache-Control'] = 'no-store';
    const link = `<${l.directory}>;rel="index"`;
    const prev = res.headers.Link;
    res.headers.Link = prev === undefined ? link : [...(Array.isArray(prev) ? prev : [prev]), link];
    return res;
  }

  private async route(req: ACMERequest, l: Links): Promise<ACMEResponse> {
    const slash = req.rest.indexOf('/');
    const ca = slash < 0 ? req.rest : req.rest.slice(0, slash);
    // As smallstep answers it (not a problem document).
    if (ca !== this.cfg.ca) return json(404, { type: 'notFound', detail: 'resource not found', message: `provisioner ${ca} not found` });
    const parts = slash < 0 ? [] : req.rest.slice(slash + 1).split('/');
    const [what, id, sub] = parts;
    const url = l.directory.slice(0, -'directory'.length) + parts.join('/');

    switch (what) {
      case 'directory':
        if (parts.length !== 1) break;
        this.methods(req, ['GET', 'HEAD']);
        return json(200, directoryJSON(l));
      case 'new-nonce':
        if (parts.length !== 1) break;
        this.methods(req, ['GET', 'HEAD']);
        // RFC 8555 §7.2: 200 for HEAD, 204 for GET.
        return { status: req.method === 'HEAD' ? 200 : 204, headers: {}, body: '' };
      case 'new-account':
        if (parts.length !== 1) break;
        return this.newAccount(await this.authenticate(req, url, 'jwk', l), l);
      case 'account':
        if (parts.length !== 2 || !validID(id!)) break;
        return this.updateAccount(await this.authenticate(req, url, 'kid', l), id!, l);
      case 'new-order':
        if (parts.length !== 1) break;
        return this.newOrder(await this.authenticate(req, url, 'kid', l), l);
      case 'order':
        if (!validID(id ?? '')) break;
        if (parts.length === 2) return this.getOrder(await this.authenticate(req, url, 'kid', l), id!, l);
        if (parts.length === 3 && sub === 'finalize') return this.finalize(await this.authenticate(req, url, 'kid', l), id!, l);
        break;
      case 'authz':
        if (parts.length !== 2 || !validID(id!)) break;
        return this.authz(await this.authenticate(req, url, 'kid', l), id!, l);
      case 'challenge':
        if (parts.length !== 3 || !validID(id!)) break;
        return this.challenge(await this.authenticate(req, url, 'kid', l), id!, sub!, l);
      case 'certificate':
        if (parts.length !== 2 || !validID(id!)) break;
        return this.certificate(await this.authenticate(req, url, 'kid', l), id!);
      case 'revoke-cert':
        if (parts.length !== 1) break;
        return this.revoke(await this.authenticate(req, url, 'either', l));
      case 'key-change':
        if (parts.length !== 1) break;
        return this.keyChange(await this.authenticate(req, url, 'kid', l), url, l);
    }
    throw new Problem('malformed', `not found: ${req.rest}`, 404);
  }

  private methods(req: ACMERequest, allowed: string[]): void {
    if (!allowed.includes(req.method)) throw new MethodNotAllowed();
  }

  /** RFC 8555 §6.2-6.5: a signed POST for this URL with a fresh nonce, by the account or key it names. */
  private async authenticate(req: ACMERequest, url: string, want: 'jwk' | 'kid' | 'either', l: Links): Promise<Authed> {
    this.methods(req, ['POST']);
    // RFC 8555 §6.2, and smallstep's check, word for word.
    const ct = req.contentType.split(';')[0]!.trim().toLowerCase();
    if (ct !== 'application/jose+json') throw new Problem('malformed', `expected content-type to be in [application/jose+json], but got ${req.contentType}`);
    const jws = parseJWS(req.body);
    const h = jws.header;
    if (want === 'jwk' && !h.jwk) throw new Problem('malformed', 'this request must be signed with a "jwk" header');
    if (want === 'kid' && !h.kid) throw new Problem('malformed', 'this request must be signed with a "kid" header');
    let key: KeyObject;
    let account: AccountRecord | undefined;
    if (h.jwk) {
      key = keyFromJWK(h.jwk);
    } else {
      const prefix = l.account('');
      const id = h.kid!.startsWith(prefix) ? h.kid!.slice(prefix.length) : '';
      account = validID(id) ? await this.state.account(id) : undefined;
      if (!account) throw new Problem('accountDoesNotExist', `account "${h.kid}" does not exist`);
      key = keyFromJWK(account.jwk);
    }
    verifyJWS(jws, key);
    // Checked after the signature so an unsigned request cannot burn nonces.
    if (h.url !== url) throw new Problem('unauthorized', `the JWS "url" header (${h.url}) is not the request URL (${url})`);
    if (!(await this.state.useNonce(h.nonce))) throw new Problem('badNonce', 'the nonce is invalid or was already used');
    if (account && account.status !== 'valid') throw new Problem('unauthorized', `account is ${account.status}`);
    let payload: unknown = undefined;
    if (jws.payloadText !== '') {
      try {
        payload = JSON.parse(jws.payloadText);
      } catch {
        throw new Problem('malformed', 'the JWS payload is not JSON');
      }
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new Problem('malformed', 'the JWS payload must be a JSON object');
    }
    return { jws, account, key, payload };
  }

  private async newAccount(a: Authed, l: Links): Promise<ACMEResponse> {
    const p = (a.payload ?? {}) as Record<string, unknown>;
    const tp = thumbprint(a.key);
    const existing = await this.state.accountByKey(tp);
    if (existing) {
      if (existing.status !== 'valid') throw new Problem('unauthorized', `account is ${existing.status}`);
      return json(200, accountJSON(existing), { Location: l.account(existing.id) });
    }
    if (p.onlyReturnExisting === true) throw new Problem('accountDoesNotExist', 'no account exists with the provided key');
    const contact = this.contacts(p.contact);
    const id = newID();
    const acct: AccountRecord = { id, thumbprint: tp, status: 'valid', contact, jwk: publicJWK(a.key), createdAt: new Date(this.now()).toISOString() };
    await this.state.putAccount(acct);
    await this.state.setKey(tp, id);
    this.deps.log('info', logger, 'new ACME account', { ca: this.cfg.ca, account: id, contact });
    return json(201, accountJSON(acct), { Location: l.account(id) });
  }

  private contacts(v: unknown): string[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((c) => typeof c !== 'string')) throw new Problem('malformed', '"contact" must be an array of strings');
    for (const c of v as string[]) {
      if (!c.startsWith('mailto:')) throw new Problem('unsupportedContact', `contact "${c}" is not a mailto: URL`);
    }
    return v as string[];
  }

  private async updateAccount(a: Authed, id: string, l: Links): Promise<ACMEResponse> {
    const acct = a.account!;
    if (acct.id !== id) throw new Problem('unauthorized', 'the account URL does not match the signing account');
    const p = a.payload as Record<string, unknown> | undefined;
    if (p) {
      if (p.status !== undefined) {
        if (p.status !== 'deactivated') throw new Problem('malformed', 'an account\'s status can only be changed to "deactivated"');
        acct.status = 'deactivated';
      }
      if (p.contact !== undefined) acct.contact = this.contacts(p.contact);
      await this.state.putAccount(acct);
    }
    return json(200, accountJSON(acct), { Location: l.account(id) });
  }

  private parseIdentifiers(v: unknown): Identifier[] {
    if (!Array.isArray(v) || v.length === 0) throw new Problem('malformed', 'an order needs a non-empty "identifiers" array');
    const seen = new Set<string>();
    const out: Identifier[] = [];
    for (const x of v as unknown[]) {
      const o = x as Record<string, unknown> | null;
      if (!o || typeof o !== 'object' || typeof o.type !== 'string' || typeof o.value !== 'string') throw new Problem('malformed', 'each identifier needs a "type" and a "value"');
      let id: Identifier;
      if (o.type === 'dns') {
        const value = o.value.toLowerCase();
        if (!/^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(value) || value.length > 253 || isIP(value)) {
          throw new Problem('rejectedIdentifier', `"${o.value}" is not a valid DNS name`);
        }
        id = { type: 'dns', value };
      } else if (o.type === 'ip') {
        if (!isIP(o.value)) throw new Problem('malformed', `"${o.value}" is not an IP address`);
        id = { type: 'ip', value: o.value };
      } else {
        throw new Problem('unsupportedIdentifier', `identifier type "${o.type}" is not supported`);
      }
      const k = `${id.type}:${id.value}`;
      if (!seen.has(k)) out.push(id);
      seen.add(k);
    }
    return out;
  }

  /** The policy's verdict on each identifier: rejectedIdentifier with one subproblem per refused name. */
  private checkPolicy(ids: Identifier[]): void {
    const refused = ids.flatMap((id) => {
      const why = this.cfg.policy(id);
      return why === null ? [] : [{ type: 'rejectedIdentifier' as const, detail: why, identifier: id }];
    });
    if (refused.length) throw new Problem('rejectedIdentifier', refused.map((r) => r.detail).join('; '), 400, refused);
  }

  private challengeTypesFor(id: Identifier, wildcard: boolean): ChallengeType[] {
    // Wildcards can only be proven over DNS (RFC 8555 §7.1.3), which this server does not offer.
    if (wildcard) return [];
    return this.cfg.challenges;
  }

  private async newOrder(a: Authed, l: Links): Promise<ACMEResponse> {
    const p = (a.payload ?? {}) as Record<string, unknown>;
    const ids = this.parseIdentifiers(p.identifiers);
    this.checkPolicy(ids);
    const now = this.now();
    const times = this.validity(p.notBefore, p.notAfter, now);
    const expires = new Date(now + orderLifetimeMs).toISOString();
    const authzIds: string[] = [];
    for (const id of ids) {
      const wildcard = id.type === 'dns' && id.value.startsWith('*.');
      const types = this.challengeTypesFor(id, wildcard);
      if (types.length === 0) throw new Problem('rejectedIdentifier', `"${id.value}": wildcard names need the dns-01 challenge, which this server does not offer`);
      const az: AuthzRecord = {
        id: newID(),
        accountId: a.account!.id,
        identifier: wildcard ? { type: 'dns', value: id.value.slice(2) } : id,
        wildcard,
        expires,
        status: 'pending',
        challenges: types.map((type) => ({ type, token: randomBytes(32).toString('base64url'), status: 'pending' })),
      };
      await this.state.putAuthz(az);
      authzIds.push(az.id);
    }
    const order: OrderRecord = { id: newID(), accountId: a.account!.id, identifiers: ids, authzIds, expires, ...times };
    await this.state.putOrder(order);
    return json(201, orderJSON(l, order, 'pending'), { Location: l.order(order.id) });
  }

  private validity(nb: unknown, na: unknown, now: number): { notBefore?: string; notAfter?: string } {
    const parse = (v: unknown, what: string): number | undefined => {
      if (v === undefined || v === null || v === '') return undefined;
      const t = typeof v === 'string' ? Date.parse(v) : NaN;
      if (Number.isNaN(t)) throw new Problem('malformed', `"${what}" is not an RFC 3339 date`);
      return t;
    };
    const from = parse(nb, 'notBefore');
    const to = parse(na, 'notAfter');
    if (from !== undefined && to !== undefined && to <= from) throw new Problem('malformed', '"notAfter" must be after "notBefore"');
    if (to !== undefined && to - (from ?? now) > maxValidityMs) throw new Problem('malformed', 'the requested validity is longer than the CA allows (365 days)');
    return { ...(from !== undefined ? { notBefore: new Date(from).toISOString() } : {}), ...(to !== undefined ? { notAfter: new Date(to).toISOString() } : {}) };
  }

  private async loadOrder(a: Authed, id: string): Promise<{ order: OrderRecord; authzs: Array<AuthzRecord | undefined> }> {
    const order = await this.state.order(id);
    if (!order) throw new Problem('malformed', 'order not found', 404);
    if (order.accountId !== a.account!.id) throw new Problem('unauthorized', 'the order belongs to another account');
    const authzs = await Promise.all(order.authzIds.map((z) => this.state.authz(z)));
    return { order, authzs };
  }

  private async getOrder(a: Authed, id: string, l: Links): Promise<ACMEResponse> {
    const { order, authzs } = await this.loadOrder(a, id);
    return json(200, orderJSON(l, order, orderStatus(order, authzs, this.now())), { Location: l.order(id) });
  }

  private async finalize(a: Authed, id: string, l: Links): Promise<ACMEResponse> {
    const { order, authzs } = await this.loadOrder(a, id);
    const status = orderStatus(order, authzs, this.now());
    if (status !== 'ready') throw new Problem('orderNotReady', `the order is ${status}, not ready`);
    const p = (a.payload ?? {}) as Record<string, unknown>;
    if (typeof p.csr !== 'string') throw new Problem('malformed', 'finalize needs a "csr"');
    // x509 is loaded on first use: no start-up pays for it.
    const { checkCSRNames, parseCSR, signCSR } = await import('./sign.js');
    const csr = await parseCSR(p.csr);
    checkCSRNames(csr, order.identifiers);
    this.checkPolicy(csr.identifiers);
    const ca = await this.deps.authority();
    const { pem, serial } = await signCSR(ca, csr, {
      lifetimeMs: this.cfg.lifetimeMs,
      signWithRoot: this.cfg.signWithRoot,
      notBefore: order.notBefore ? new Date(order.notBefore) : undefined,
      notAfter: order.notAfter ? new Date(order.notAfter) : undefined,
      now: new Date(this.now()),
    });
    const certId = newID();
    await this.state.putCert({ id: certId, accountId: order.accountId, serial }, pem);
    order.certId = certId;
    await this.state.putOrder(order);
    this.deps.log('info', logger, 'certificate issued', { ca: this.cfg.ca, identifiers: order.identifiers.map((i) => i.value), serial, account: order.accountId });
    return json(200, orderJSON(l, order, 'valid'), { Location: l.order(id) });
  }

  private async loadAuthz(a: Authed, id: string): Promise<AuthzRecord> {
    const az = await this.state.authz(id);
    if (!az) throw new Problem('malformed', 'authorization not found', 404);
    if (az.accountId !== a.account!.id) throw new Problem('unauthorized', 'the authorization belongs to another account');
    return az;
  }

  private async authz(a: Authed, id: string, l: Links): Promise<ACMEResponse> {
    const az = await this.loadAuthz(a, id);
    const p = a.payload as Record<string, unknown> | undefined;
    if (p && p.status !== undefined) {
      if (p.status !== 'deactivated') throw new Problem('malformed', 'an authorization\'s status can only be changed to "deactivated"');
      if (az.status !== 'pending' && az.status !== 'valid') throw new Problem('malformed', `the authorization is ${az.status}`);
      az.status = 'deactivated';
      await this.state.putAuthz(az);
    }
    return json(200, authzJSON(l, az, this.now()), { Location: l.authz(id) });
  }

  private async challenge(a: Authed, authzId: string, type: string, l: Links): Promise<ACMEResponse> {
    const az = await this.loadAuthz(a, authzId);
    const ch = az.challenges.find((c) => c.type === type);
    if (!ch) throw new Problem('malformed', 'challenge not found', 404);
    const up = `<${l.authz(authzId)}>;rel="up"`;
    // POST-as-GET reads; a payload (`{}`) asks for validation (RFC 8555 §7.5.1).
    if (a.payload !== undefined && ch.status === 'pending' && authzStatus(az, this.now()) === 'pending') {
      ch.status = 'processing';
      await this.state.putAuthz(az);
      const keyAuth = `${ch.token}.${thumbprint(keyFromJWK(a.account!.jwk))}`;
      void this.runValidation(authzId, ch.type, keyAuth);
    }
    return json(200, challengeJSON(l, authzId, ch), { Link: up, Location: l.challenge(authzId, ch.type) });
  }

  /** Validates in the background and records the outcome; the client polls the authorization. */
  private async runValidation(authzId: string, type: ChallengeType, keyAuth: string): Promise<void> {
    const k = `${authzId}/${type}`;
    if (this.validating.has(k)) return;
    this.validating.add(k);
    let error: Problem | undefined;
    const az0 = await this.state.authz(authzId).catch(() => undefined);
    if (!az0) {
      this.validating.delete(k);
      return;
    }
    const ch0 = az0.challenges.find((c) => c.type === type)!;
    try {
      const { http, tls, dial } = this.deps.ports;
      if (type === 'http-01') await validateHTTP01(az0.identifier, ch0.token, keyAuth, http, dial);
      else await validateTLSALPN01(az0.identifier, keyAuth, tls, dial);
    } catch (err) {
      error = err instanceof Problem ? err : new Problem('serverInternal', (err as Error).message);
    }
    try {
      // Read again: the file may have changed while we were away (a deactivation).
      const az = await this.state.authz(authzId);
      if (!az) return;
      const ch = az.challenges.find((c) => c.type === type)!;
      if (az.status !== 'pending' || ch.status !== 'processing') return;
      if (error) {
        ch.status = 'invalid';
        ch.error = error.toJSON();
        az.status = 'invalid';
        this.deps.log('info', logger, 'challenge validation failed', { ca: this.cfg.ca, identifier: az.identifier.value, challenge: type, error: error.message });
      } else {
        ch.status = 'valid';
        ch.validated = new Date(this.now()).toISOString();
        az.status = 'valid';
      }
      await this.state.putAuthz(az);
    } catch (err) {
      this.deps.log('error', logger, 'recording a challenge result', { error: (err as Error).message });
    } finally {
      this.validating.delete(k);
    }
  }

  /** RFC 8555 §7.3.5: the outer JWS by the account's key, the inner by the new one, naming the account and its old key. */
  private async keyChange(a: Authed, url: string, l: Links): Promise<ACMEResponse> {
    const acct = a.account!;
    const inner = parseJWS(Buffer.from(JSON.stringify(a.payload ?? {})), true);
    const newKey = keyFromJWK(inner.header.jwk!);
    verifyJWS(inner, newKey);
    if (inner.header.url !== url) throw new Problem('malformed', 'the inner JWS "url" must be the outer one\'s');
    let p: Record<string, unknown>;
    try {
      p = JSON.parse(inner.payloadText) as Record<string, unknown>;
    } catch {
      throw new Problem('malformed', 'the inner JWS payload is not JSON');
    }
    if (p?.account !== l.account(acct.id)) throw new Problem('malformed', 'the inner payload\'s "account" is not the signing account');
    if (!p.oldKey || typeof p.oldKey !== 'object' || thumbprint(keyFromJWK(p.oldKey as JsonWebKey)) !== acct.thumbprint) {
      throw new Problem('malformed', 'the inner payload\'s "oldKey" is not the account\'s key');
    }
    const tp = thumbprint(newKey);
    const taken = await this.state.accountByKey(tp);
    if (taken) {
      const body = JSON.stringify(new Problem('malformed', 'the new key is already in use by an account', 409).toJSON());
      return { status: 409, headers: { 'Content-Type': 'application/problem+json', Location: l.account(taken.id) }, body };
    }
    const old = acct.thumbprint;
    acct.jwk = publicJWK(newKey);
    acct.thumbprint = tp;
    await this.state.putAccount(acct);
    await this.state.setKey(tp, acct.id);
    await this.state.dropKey(old);
    this.deps.log('info', logger, 'ACME account key changed', { ca: this.cfg.ca, account: acct.id });
    return json(200, accountJSON(acct), { Location: l.account(acct.id) });
  }

  private async certificate(a: Authed, id: string): Promise<ACMEResponse> {
    const rec = await this.state.cert(id);
    const pem = rec && (await this.state.certPEM(id));
    if (!rec || !pem) throw new Problem('malformed', 'certificate not found', 404);
    if (rec.accountId !== a.account!.id) throw new Problem('unauthorized', 'the certificate belongs to another account');
    return { status: 200, headers: { 'Content-Type': 'application/pem-certificate-chain' }, body: pem };
  }

  /** RFC 8555 §7.6: by the account that ordered it, or signed with the certificate's own key. */
  private async revoke(a: Authed): Promise<ACMEResponse> {
    const p = (a.payload ?? {}) as Record<string, unknown>;
    if (typeof p.certificate !== 'string') throw new Problem('malformed', 'revokeCert needs a "certificate"');
    const reason = p.reason === undefined ? 0 : p.reason;
    if (typeof reason !== 'number' || !Number.isInteger(reason) || reason < 0 || reason > 10 || reason === 7) {
      throw new Problem('badRevocationReason', `revocation reason ${String(reason)} is not allowed`);
    }
    const { X509Certificate } = await import('node:crypto');
    let cert: InstanceType<typeof X509Certificate>;
    try {
      cert = new X509Certificate(Buffer.from(p.certificate, 'base64url'));
    } catch {
      throw new Problem('malformed', 'the certificate to revoke does not parse');
    }
    const serial = cert.serialNumber;
    const owner = await this.state.serialOwner(serial);
    if (owner === undefined) throw new Problem('unauthorized', 'the certificate was not issued by this CA');
    if (a.account) {
      if (owner !== a.account.id) throw new Problem('unauthorized', 'the account did not order this certificate');
    } else {
      const der = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
      if (!der(cert.publicKey).equals(der(a.key))) throw new Problem('unauthorized', 'the request is not signed by the certificate\'s key');
    }
    if (!(await this.state.revoke(serial, reason))) throw new Problem('alreadyRevoked', 'the certificate is already revoked');
    this.deps.log('info', logger, 'certificate revoked', { ca: this.cfg.ca, serial, reason });
    return { status: 200, headers: {}, body: '' };
  }
}
