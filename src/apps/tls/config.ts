/**
 * `apps.tls` (caddytls.TLS), decoded: the manual certificates (read now, so
 * a missing file fails the load with its path), the names to automate and
 * the automation policies. What tsweb cannot do yet is refused by name.
 */
import { DecodeError, ObjectReader } from '../../core/decode.js';
import { type Certificate, loadCertificateFiles, makeCertificate } from '../../tls/certificate.js';
import type { AutomationPolicy, IssuerConfig } from '../../tls/manager.js';

export interface TLSAppConfig {
  manual: Certificate[];
  automate: string[];
  policies: AutomationPolicy[];
}

function decodeIssuer(json: unknown, path: string): IssuerConfig {
  const r = ObjectReader.of(json, path);
  const module = r.str('module', '');
  if (module === 'acme' || module === 'zerossl') {
    // Accepted so adapted configs load; the manager reports the names that would need it.
    r.ignore(...Object.keys(r.json));
    return { module };
  }
  if (module !== 'internal') throw new DecodeError(r.at('module'), `unknown module: tls.issuance.${module}`);
  const ca = r.str('ca', 'local');
  const lifetimeMs = r.durationMs('lifetime');
  const signWithRoot = r.bool('sign_with_root');
  r.done();
  return { module: 'internal', ca, lifetimeMs, signWithRoot };
}

function decodePolicy(json: unknown, path: string): AutomationPolicy {
  const r = ObjectReader.of(json, path);
  const subjects = r.strList('subjects');
  const issuers = r.list('issuers', decodeIssuer);
  // Settings of issuance tsweb does not vary yet (keys are P-256, renewal at 1/3).
  r.ignore('key_type', 'renewal_window_ratio', 'on_demand', 'must_staple', 'reuse_private_keys', 'disable_ocsp_stapling', 'ocsp_overrides', 'storage', 'get_certificate', 'managers', 'issuer');
  r.done();
  return { subjects, issuers };
}

export function decodeTLSApp(json: unknown): TLSAppConfig {
  const r = ObjectReader.of(json);
  const certs = r.obj('certificates');
  const manual: Certificate[] = [];
  certs.list('load_files', (v, path) => {
    const f = ObjectReader.of(v, path);
    const cert = f.str('certificate', '');
    const key = f.str('key', '');
    const tags = f.strList('tags');
    const format = f.str('format', 'pem');
    f.done();
    if (format !== 'pem') throw new DecodeError(f.at('format'), `unrecognized certificate/key encoding format: ${format}`);
    try {
      manual.push(loadCertificateFiles(cert, key, tags));
    } catch (err) {
      throw new DecodeError(path, (err as Error).message);
    }
  });
  certs.list('load_pem', (v, path) => {
    const f = ObjectReader.of(v, path);
    const cert = f.str('certificate', '');
    const key = f.str('key', '');
    const tags = f.strList('tags');
    f.done();
    try {
      manual.push(makeCertificate(Buffer.from(cert), Buffer.from(key), { tags }));
    } catch (err) {
      throw new DecodeError(path, `loading certificate and key pair: ${(err as Error).message}`);
    }
  });
  const automate = certs.strList('automate');
  for (const k of ['load_folders', 'load_storage']) if (certs.json[k] !== undefined) throw new DecodeError(certs.at(k), 'not implemented yet');
  certs.done();
  const auto = r.obj('automation');
  const policies = auto.list('policies', decodePolicy);
  auto.ignore('on_demand', 'ocsp_interval', 'renew_interval', 'storage_clean_interval');
  auto.done();
  // Node's per-listener ticket keys stand in for session_tickets; the rest does not change what tsweb serves yet.
  r.ignore('session_tickets', 'cache', 'disable_ocsp_stapling', 'disable_storage_check', 'disable_storage_clean', 'resolvers', 'dns');
  if (r.json.encrypted_client_hello !== undefined) throw new DecodeError(r.at('encrypted_client_hello'), 'not implemented yet');
  r.done();
  return { manual, automate, policies };
}
