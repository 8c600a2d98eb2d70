/**
 * The `acme` issuer's JSON (caddytls.ACMEIssuer), decoded at load: trusted
 * roots are read now, so a missing `acme_ca_root` file fails the load with
 * its path, and the EAB MAC key is checked for base64url.
 */
import { readFileSync } from 'node:fs';
import { DecodeError, ObjectReader } from '../../core/decode.js';

/** Let's Encrypt's production directory: Caddy's default CA. */
export const defaultACMECA = 'https://acme-v02.api.letsencrypt.org/directory';

export interface ACMEIssuerConfig {
  module: 'acme';
  /** The directory URL (`ca`, else TSWEB_ACME_CA, else Let's Encrypt). */
  ca: string;
  email: string;
  /** PEM roots trusted for the CA's own HTTPS (`trusted_roots_pem_files`, Caddyfile `acme_ca_root`); empty: the system's. */
  trustedRoots: Buffer[];
  eab: { keyID: string; macKey: string } | null;
  http: { disabled: boolean; alternatePort: number };
  tlsALPN: { disabled: boolean; alternatePort: number };
  /** challenges.bind_host: the interface the issuer's own challenge listener binds ('' = all). */
  bindHost: string;
  /** preferred_chains. */
  preferredChains: { smallest: boolean | null; rootCommonName: string[]; anyCommonName: string[] };
  /** acme_timeout (ms); 0: none beyond the retries. */
  timeoutMs: number;
  /** certificate_lifetime (ms), sent as notAfter when set. */
  certificateLifetimeMs: number;
  profile: string;
}

function readRoots(files: readonly string[], path: string): Buffer[] {
  return files.map((f, i) => {
    try {
      return readFileSync(f);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
      throw new DecodeError(`${path}[${i}]`, `loading trusted root CA's PEM file: open ${f}: ${why}`);
    }
  });
}

/**
 * env: TSWEB_ACME_CA and TSWEB_ACME_CA_ROOT stand for the global `acme_ca`
 * and `acme_ca_root` where the config sets none (how `tsweb reverse-proxy`
 * and tests are pointed at a test CA).
 */
export function decodeACMEIssuer(json: unknown, path: string, env: NodeJS.ProcessEnv): ACMEIssuerConfig {
  const r = ObjectReader.of(json, path);
  r.ignore('module');
  const configuredCA = r.str('ca', '');
  const ca = configuredCA || env.TSWEB_ACME_CA || defaultACMECA;
  // test_ca is only used by Caddy for Let's Encrypt's staging retry; tsweb retries on the same CA.
  r.str('test_ca');
  const email = r.str('email', '');
  const profile = r.str('profile', '');
  r.str('account_key');
  const timeoutMs = r.durationMs('acme_timeout');
  const certificateLifetimeMs = r.durationMs('certificate_lifetime');
  const rootFiles = r.strList('trusted_roots_pem_files');
  // The environment's root goes with the environment's CA only: trusting roots replaces the system's.
  if (rootFiles.length === 0 && configuredCA === '' && env.TSWEB_ACME_CA && env.TSWEB_ACME_CA_ROOT) rootFiles.push(env.TSWEB_ACME_CA_ROOT);
  const trustedRoots = readRoots(rootFiles, r.at('trusted_roots_pem_files'));

  let eab: ACMEIssuerConfig['eab'] = null;
  const ext = r.obj('external_account');
  if (r.json.external_account !== undefined && r.json.external_account !== null) {
    const keyID = ext.str('key_id', '');
    const macKey = ext.str('mac_key', '');
    if (!/^[A-Za-z0-9_-]*={0,2}$/.test(macKey)) throw new DecodeError(ext.at('mac_key'), 'decoding MAC key: illegal base64 data');
    eab = { keyID, macKey };
  }
  ext.done();

  const chal = r.obj('challenges');
  const http = chal.obj('http');
  const httpCfg = { disabled: http.bool('disabled'), alternatePort: http.int('alternate_port', 0) };
  http.done();
  const alpn = chal.obj('tls-alpn');
  const alpnCfg = { disabled: alpn.bool('disabled'), alternatePort: alpn.int('alternate_port', 0) };
  alpn.done();
  if (chal.json.dns !== undefined && chal.json.dns !== null) throw new DecodeError(chal.at('dns'), 'the DNS challenge is not implemented yet');
  chal.ignore('dns');
  const bindHost = chal.str('bind_host', '');
  chal.done();

  const pc = r.obj('preferred_chains');
  const smallest = pc.json.smallest === undefined ? null : pc.bool('smallest');
  const preferredChains = { smallest, rootCommonName: pc.strList('root_common_name'), anyCommonName: pc.strList('any_common_name') };
  pc.done();
  if (r.json.network_proxy !== undefined) throw new DecodeError(r.at('network_proxy'), 'not implemented yet');
  r.done();
  return { module: 'acme', ca, email, trustedRoots, eab, http: httpCfg, tlsALPN: alpnCfg, bindHost, preferredChains, timeoutMs, certificateLifetimeMs, profile };
}
