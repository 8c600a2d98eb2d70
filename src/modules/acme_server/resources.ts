/**
 * The JSON a client reads (RFC 8555 §7.1): accounts, orders,
 * authorizations and challenges as stored, with their URLs and the statuses
 * derived at read time. An order's status is never stored: it follows from
 * its authorizations, its certificate and its expiry, so a validation
 * finished by one worker shows in an order read through another.
 */
import type { AccountRecord, AuthzRecord, ChallengeRecord, OrderRecord } from './state.js';

export interface Links {
  directory: string;
  newNonce: string;
  newAccount: string;
  newOrder: string;
  revokeCert: string;
  keyChange: string;
  account(id: string): string;
  order(id: string): string;
  finalize(id: string): string;
  authz(id: string): string;
  challenge(authzId: string, type: string): string;
  certificate(id: string): string;
}

export function links(base: string): Links {
  return {
    directory: `${base}directory`,
    newNonce: `${base}new-nonce`,
    newAccount: `${base}new-account`,
    newOrder: `${base}new-order`,
    revokeCert: `${base}revoke-cert`,
    keyChange: `${base}key-change`,
    account: (id) => `${base}account/${id}`,
    order: (id) => `${base}order/${id}`,
    finalize: (id) => `${base}order/${id}/finalize`,
    authz: (id) => `${base}authz/${id}`,
    challenge: (a, t) => `${base}challenge/${a}/${t}`,
    certificate: (id) => `${base}certificate/${id}`,
  };
}

export const directoryJSON = (l: Links) => ({
  newNonce: l.newNonce,
  newAccount: l.newAccount,
  newOrder: l.newOrder,
  revokeCert: l.revokeCert,
  keyChange: l.keyChange,
  meta: {},
});

export const accountJSON = (a: AccountRecord) => ({ status: a.status, contact: a.contact });

export type AuthzStatus = AuthzRecord['status'] | 'expired';

export function authzStatus(a: AuthzRecord, now: number): AuthzStatus {
  if (a.status === 'pending' && Date.parse(a.expires) <= now) return 'expired';
  return a.status;
}

export function challengeJSON(l: Links, authzId: string, c: ChallengeRecord) {
  return {
    type: c.type,
    url: l.challenge(authzId, c.type),
    status: c.status,
    token: c.token,
    ...(c.validated ? { validated: c.validated } : {}),
    ...(c.error ? { error: c.error } : {}),
  };
}

export function authzJSON(l: Links, a: AuthzRecord, now: number) {
  return {
    identifier: a.identifier,
    status: authzStatus(a, now),
    expires: a.expires,
    challenges: a.challenges.map((c) => challengeJSON(l, a.id, c)),
    ...(a.wildcard ? { wildcard: true } : {}),
  };
}

export type OrderStatus = 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';

export function orderStatus(o: OrderRecord, authzs: ReadonlyArray<AuthzRecord | undefined>, now: number): OrderStatus {
  if (o.certId) return 'valid';
  if (o.error) return 'invalid';
  const st = authzs.map((a) => (a ? authzStatus(a, now) : 'invalid'));
  if (st.some((s) => s === 'invalid' || s === 'deactivated' || s === 'expired')) return 'invalid';
  if (st.every((s) => s === 'valid')) return Date.parse(o.expires) <= now ? 'invalid' : 'ready';
  return Date.parse(o.expires) <= now ? 'invalid' : 'pending';
}

export function orderJSON(l: Links, o: OrderRecord, status: OrderStatus) {
  return {
    status,
    expires: o.expires,
    identifiers: o.identifiers,
    ...(o.notBefore ? { notBefore: o.notBefore } : {}),
    ...(o.notAfter ? { notAfter: o.notAfter } : {}),
    authorizations: o.authzIds.map((id) => l.authz(id)),
    finalize: l.finalize(o.id),
    ...(o.certId ? { certificate: l.certificate(o.certId) } : {}),
    ...(o.error ? { error: o.error } : {}),
  };
}
