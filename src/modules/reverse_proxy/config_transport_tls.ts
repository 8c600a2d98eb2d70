/**
 * The http transport's `tls` (Caddy's reverseproxy.TLSConfig) as tsweb runs
 * it: certificate checks on or off (insecure_skip_verify), the SNI name,
 * the CAs trusted for the upstream's certificate (root_ca_pem_files, the
 * deprecated tls_trusted_ca_certs; root_ca_pool and the `ca` pool modules
 * `file` and `inline`, tls_trust_pool) and a client certificate
 * (tls_client_auth <cert> <key>), handshake_timeout, curves, except_ports
 * and renegotiation (tls_options.ts turns them into node:tls options);
 * client_certificate_automate is refused until the handler can reach the
 * tls app's certificates. Files are read once, at load; a file that
 * cannot be read or holds no certificate fails the load naming it.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { ObjectReader } from '../../core/decode.js';

export interface UpstreamTLS {
  insecureSkipVerify: boolean;
  serverName: string;
  /** PEM CA certificates trusted instead of the system's; null: the system's. */
  ca: string[] | null;
  /** PEM client certificate chain and key, or null. */
  cert: string | null;
  key: string | null;
  /** handshake_timeout in ms; 0: none of its own (the dial timeout covers it). */
  handshakeTimeout: number;
  /** curves as OpenSSL names, colon-joined (Node's ecdhCurve); null: Node's defaults. */
  curves: string | null;
  /** except_ports: upstream ports spoken to in plain text. */
  exceptPorts: string[];
  /** renegotiation: false ('never', Go's default) refuses a server's renegotiation request. */
  renegotiate: boolean;
}

/** Caddy's caddytls.SupportedCurves, as OpenSSL names them. */
const CURVES: Record<string, string> = { x25519mlkem768: 'X25519MLKEM768', x25519: 'X25519', secp256r1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** A certificate from the tls app (needs the tls app's manager in the handler's provision env); refused for now. */
const REFUSED = ['client_certificate_automate'];

function readPEM(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // Go's os.Open words.
    const text = e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new Error(`transport http: tls ${what}: open ${file}: ${text}`);
  }
}

function checkedCA(pem: string, what: string): string {
  try {
    new X509Certificate(pem);
  } catch {
    throw new Error(`transport http: tls ${what}: no certificate could be parsed`);
  }
  return pem;
}

function derToPEM(b64: string, what: string): string {
  const body = b64.replace(/\s+/g, '');
  const pem = `-----BEGIN CERTIFICATE-----\n${body.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
  return checkedCA(pem, what);
}

function stringList(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`transport http: tls ${what}: must be a list of strings`);
  return v as string[];
}

export function decodeUpstreamTLS(r: ObjectReader): UpstreamTLS {
  for (const k of REFUSED) if (r.json[k] !== undefined) throw new Error(`transport http: tls ${k} is not supported by tsweb yet`);
  r.ignore(...REFUSED);
  const ca: string[] = [];
  for (const f of stringList(r.raw('root_ca_pem_files'), 'root_ca_pem_files')) ca.push(checkedCA(readPEM(f, 'root_ca_pem_files'), `root_ca_pem_files ${f}`));
  for (const d of stringList(r.raw('root_ca_pool'), 'root_ca_pool')) ca.push(derToPEM(d, 'root_ca_pool'));
  const pool = r.raw('ca');
  if (pool !== undefined && pool !== null) {
    const p = pool as Record<string, unknown>;
    if (p.provider === 'file') {
      for (const f of stringList(p.pem_files, 'ca pem_files')) ca.push(checkedCA(readPEM(f, 'ca pem_files'), `ca pem_files ${f}`));
    } else if (p.provider === 'inline') {
      for (const d of stringList(p.trusted_ca_certs, 'ca trusted_ca_certs')) ca.push(derToPEM(d, 'ca trusted_ca_certs'));
    } else {
      throw new Error(`transport http: tls ca: module not supported by tsweb yet: tls.ca_pool.source.${String(p.provider)}`);
    }
  }
  const certFile = r.str('client_certificate_file', '');
  const keyFile = r.str('client_certificate_key_file', '');
  if ((certFile === '') !== (keyFile === '')) throw new Error('transport http: tls: client_certificate_file and client_certificate_key_file go together');
  const tls: UpstreamTLS = {
    insecureSkipVerify: r.bool('insecure_skip_verify'),
    serverName: r.str('server_name', ''),
    ca: ca.length > 0 ? ca : null,
    cert: certFile === '' ? null : readPEM(certFile, 'client_certificate_file'),
    key: keyFile === '' ? null : readPEM(keyFile, 'client_certificate_key_file'),
    handshakeTimeout: r.durationMs('handshake_timeout'),
    curves: decodeCurves(stringList(r.raw('curves'), 'curves')),
    exceptPorts: stringList(r.raw('except_ports'), 'except_ports'),
    renegotiate: decodeRenegotiation(r.str('renegotiation', '')),
  };
  r.done();
  return tls;
}

function decodeCurves(names: string[]): string | null {
  if (names.length === 0) return null;
  const out: string[] = [];
  for (const n of names) {
    const c = CURVES[n];
    // Caddy would add curve 0 silently; naming the bad one is kinder.
    if (c === undefined) throw new Error(`transport http: tls curves: unrecognized curve ${JSON.stringify(n)} (${Object.keys(CURVES).join(', ')})`);
    if (!out.includes(c)) out.push(c);
  }
  return out.join(':');
}

/**
 * OpenSSL lets a TLS 1.2 server renegotiate as often as it likes or never:
 * 'once' and 'freely' both allow it (a second request is not refused).
 */
function decodeRenegotiation(v: string): boolean {
  if (v === '' || v === 'never') return false;
  if (v === 'once' || v === 'freely') return true;
  throw new Error(`transport http: tls: invalid TLS renegotiation level: ${v}`);
}
