/**
 * `apps.tls` (caddytls.TLS), decoded: the manual certificates (read now, so
 * a missing file fails the load with its path), the names to automate and
 * the automation policies. What tsweb cannot do yet is refused by name.
 */
import { DecodeError, ObjectReader } from '../../core/decode.js';
import { type Certificate, loadCertificateFiles, makeCertificate } from '../../tls/certificate.js';
import type { AutomationPolicy, IssuerConfig } from '../../tls/manager.js';
import { decodeACMEIssuer } from '../../tls/acme/config.js';
import { type KeyType, keyTypes } from '../../tls/pki/keys.js';
import { checkOnDemandProtections } from '../../tls/on_demand.js';
import { decodeOnDemandConfig, type OnDemandConfig } from '../../tls/on_demand_permission.js';

export interface TLSAppConfig {
  manual: Certificate[];
  automate: string[];
  policies: AutomationPolicy[];
  /** automation.renew_interval (ms); 0: the default (10 min). */
  renewIntervalMs: number;
  /** automation.on_demand: who may have certificates on demand. */
  onDemand: OnDemandConfig | null;
}

function decodeIssuer(json: unknown, path: string, env: NodeJS.ProcessEnv): IssuerConfig {
  const r = ObjectReader.of(json, path);
  const module = r.str('module', '');
  if (module === 'acme') return decodeACMEIssuer(json, path, env);
  if (module === 'zerossl') {
    // Accepted so adapted configs load; the issuer fails when asked and the next one is tried.
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

function decodePolicy(json: unknown, path: string, env: NodeJS.ProcessEnv): AutomationPolicy {
  const r = ObjectReader.of(json, path);
  const subjects = r.strList('subjects');
  const issuers = r.list('issuers', (v, p) => decodeIssuer(v, p, env));
  const keyTypeRaw = r.str('key_type', '');
  if (keyTypeRaw !== '' && !keyTypes.includes(keyTypeRaw as KeyType)) throw new DecodeError(r.at('key_type'), `unrecognized key type: ${keyTypeRaw}`);
  const keyType = keyTypeRaw === '' ? undefined : (keyTypeRaw as KeyType);
  const renewalWindowRatio = r.num('renewal_window_ratio');
  if (renewalWindowRatio !== undefined && (renewalWindowRatio < 0 || renewalWindowRatio >= 1)) throw new DecodeError(r.at('renewal_window_ratio'), 'renewal window ratio must be between 0 and 1');
  const onDemand = r.bool('on_demand');
  // Settings of issuance tsweb does not vary yet (keys are P-256, renewal at 1/3).
  r.ignore('must_staple', 'reuse_private_keys', 'disable_ocsp_stapling', 'ocsp_overrides', 'storage', 'get_certificate', 'managers', 'issuer');
  r.done();
  return { subjects, issuers, onDemand, keyType, renewalWindowRatio };
}

/** env: TSWEB_ACME_CA / TSWEB_ACME_CA_ROOT, the defaults of ACME issuers that name no CA. */
export function decodeTLSApp(json: unknown, env: NodeJS.ProcessEnv = process.env): TLSAppConfig {
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
  const policies = auto.list('policies', (v, p) => decodePolicy(v, p, env));
  const onDemand = decodeOnDemandConfig(auto.raw('on_demand'), auto.at('on_demand'));
  checkOnDemandProtections(policies, onDemand?.endpoint ?? null);
  const renewIntervalMs = auto.durationMs('renew_interval');
  auto.ignore('ocsp_interval', 'storage_clean_interval');
  auto.done();
  // Node's per-listener ticket keys stand in for session_tickets; the rest does not change what tsweb serves yet.
  r.ignore('session_tickets', 'cache', 'disable_ocsp_stapling', 'disable_storage_check', 'disable_storage_clean', 'resolvers', 'dns');
  if (r.json.encrypted_client_hello !== undefined) throw new DecodeError(r.at('encrypted_client_hello'), 'not implemented yet');
  r.done();
  return { manual, automate, policies, onDemand, renewIntervalMs };
}
