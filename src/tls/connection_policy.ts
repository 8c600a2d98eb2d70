/**
 * A server's `tls_connection_policies` (caddytls.ConnectionPolicies),
 * decoded and compiled at load: the first policy whose `match.sni` fits the
 * ClientHello (none = any) decides the certificate selection, the protocol
 * range, cipher suites, curves, ALPN and client authentication. Defaults are
 * Caddy's: TLS 1.2 to 1.3, its AEAD-only TLS 1.2 suites, X25519/P-256/P-384.
 */
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import { DecodeError, ObjectReader } from '../core/decode.js';
import type { Certificate } from './certificate.js';
import { type ClientAuth, decodeClientAuth } from './client_auth.js';

export { clientAuthAccepts, type ClientAuth, type ClientAuthMode, requiresClientCert } from './client_auth.js';

/** Go's names (caddytls.SupportedCipherSuites) → OpenSSL's. TLS 1.3 suites are not configurable in Go either. */
const cipherNames: Record<string, string> = {
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
};
const tls13Suites = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';
/** caddytls.getOptimalDefaultCipherSuites with AES-NI. */
const defaultCiphers = [
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
];
const curveNames: Record<string, string> = { x25519: 'X25519', secp256r1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
const defaultCurves = ['x25519', 'secp256r1', 'secp384r1'];
const protocols: Record<string, 'TLSv1.2' | 'TLSv1.3'> = { 'tls1.2': 'TLSv1.2', 'tls1.3': 'TLSv1.3' };
/** Caddy's default (connpolicy.go); the http app drops what a server's `protocols` leave out. */
const defaultALPN = ['h2', 'http/1.1'];

export interface ConnectionPolicy {
  sni: readonly string[];
  anyTag: readonly string[];
  alpn: readonly string[];
  defaultSNI: string;
  fallbackSNI: string;
  clientAuth: ClientAuth | null;
  /** Everything but the certificate, for createSecureContext. */
  options: SecureContextOptions;
}

export function decodeConnectionPolicy(json: unknown, path: string): ConnectionPolicy {
  const r = ObjectReader.of(json, path);
  const m = r.obj('match');
  const sni = m.strList('sni').map((s) => s.toLowerCase());
  m.done();
  const sel = r.obj('certificate_selection');
  const anyTag = sel.strList('any_tag');
  sel.ignore('serial_number', 'subject_organization', 'public_key_algorithm', 'all_tags');
  sel.done();
  const ciphers = r.strList('cipher_suites');
  for (const c of ciphers) if (!(c in cipherNames)) throw new DecodeError(r.at('cipher_suites'), `unsupported cipher suite: ${c}`);
  const curves = r.strList('curves');
  for (const c of curves) if (!(c in curveNames)) throw new DecodeError(r.at('curves'), `unsupported curve: ${c}`);
  const min = r.str('protocol_min', 'tls1.2');
  const max = r.str('protocol_max', 'tls1.3');
  if (!(min in protocols)) throw new DecodeError(r.at('protocol_min'), `protocol_min: unsupported protocol: ${min}`);
  if (!(max in protocols)) throw new DecodeError(r.at('protocol_max'), `protocol_max: unsupported protocol: ${max}`);
  if (protocols[min]! > protocols[max]!) throw new DecodeError(path, `protocol min (${min}) cannot be greater than protocol max (${max})`);
  const alpn = r.strList('alpn');
  const clientAuth = r.json.client_authentication === undefined ? null : decodeClientAuth(r.obj('client_authentication'));
  const defaultSNI = r.str('default_sni', '');
  const fallbackSNI = r.str('fallback_sni', '');
  r.ignore('handshake_context', 'insecure_secrets_log', 'drop');
  r.done();
  const suites = (ciphers.length > 0 ? ciphers : defaultCiphers).map((c) => cipherNames[c]!).join(':');
  return {
    sni,
    anyTag,
    // h3 is QUIC, never negotiated on a TCP listener.
    alpn: alpn.length > 0 ? alpn.filter((p) => p !== 'h3') : defaultALPN,
    defaultSNI,
    fallbackSNI,
    clientAuth,
    options: {
      minVersion: protocols[min],
      maxVersion: protocols[max],
      ciphers: `${tls13Suites}:${suites}`,
      ecdhCurve: (curves.length > 0 ? curves : defaultCurves).map((c) => curveNames[c]!).join(':'),
      ...(clientAuth && clientAuth.ca.length > 0 ? { ca: clientAuth.ca } : {}),
    },
  };
}

/** A server's policies; none configured = one empty policy, as Caddy fills in. */
export function decodeConnectionPolicies(json: unknown, path: string): ConnectionPolicy[] {
  if (json === undefined || json === null) return [decodeConnectionPolicy({}, path)];
  if (!Array.isArray(json)) throw new DecodeError(path, 'json: cannot unmarshal into Go value of type caddytls.ConnectionPolicies');
  const out = json.map((p, i) => decodeConnectionPolicy(p, `${path}[${i}]`));
  return out.length > 0 ? out : [decodeConnectionPolicy({}, path)];
}

/** The first policy for the server name (ConnectionPolicies.TLSConfig's matcher loop); null: the handshake fails. */
export function selectPolicy(policies: readonly ConnectionPolicy[], serverName: string): ConnectionPolicy | null {
  for (const p of policies) if (p.sni.length === 0 || p.sni.includes(serverName)) return p;
  return null;
}

/** The SecureContext for a certificate under a policy, made once per pair. */
export function contextFor(cert: Certificate, policy: ConnectionPolicy): SecureContext {
  let ctx = cert.contexts.get(policy);
  if (ctx === undefined) {
    ctx = createSecureContext({ ...policy.options, cert: cert.certPEM, key: cert.keyPEM });
    cert.contexts.set(policy, ctx);
  }
  return ctx;
}

export const tagFilter = (policy: ConnectionPolicy) => (policy.anyTag.length === 0 ? undefined : (c: Certificate) => c.tags.some((t) => policy.anyTag.includes(t)));
