/**
 * The storage keys certmagic and Caddy use (certmagic storage.go KeyBuilder,
 * account.go, solvers.go; caddypki ca.go), so a Caddy data directory copied
 * into tsweb's is found where Caddy left it, and the other way round:
 *
 *   certificates/<issuer>/<name>/<name>.crt|.key|.json
 *   acme/<issuer>/users/<email>/<username>.json|.key
 *   acme/<issuer>/challenge_tokens/<identifier>.json
 *   pki/authorities/<ca>/root.crt|.key, intermediate.crt|.key
 *   ocsp/<name>-<fnv32a of the PEM bundle>
 *   locks/<name>.lock   (file storage only)
 */
import { goParseURL } from '../go/url.js';

const prefixCerts = 'certificates';
const prefixACME = 'acme';
const prefixOCSP = 'ocsp';
/** certmagic's emptyEmail: the account folder when no email is configured. */
const emptyEmail = 'default';

const specialRE = /[ +*:]|\.\./g;
const specials: Record<string, string> = { ' ': '_', '+': '_plus_', '*': 'wildcard_', ':': '-', '..': '' };
/** Go's `[^\w@.-]`; \w is ASCII-only there as here (no u flag). */
const unsafeRE = /[^\w@.-]/g;

/**
 * KeyBuilder.Safe: one key component from any string — lower-cased, trimmed,
 * `*` → `wildcard_`, `:` → `-`, `+` → `_plus_`, space → `_`, `..` dropped,
 * anything else outside [A-Za-z0-9_@.-] removed. Idempotent.
 */
export function safe(str: string): string {
  return str.toLowerCase().trim().replace(specialRE, (m) => specials[m]!).replace(unsafeRE, '');
}

/** path.Join for keys: components joined by '/', empty ones dropped. */
function join(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

/**
 * ACMEIssuer.issuerKey: the CA directory URL's host plus its path as one
 * component (`https://acme-v02.api.letsencrypt.org/directory` →
 * `acme-v02.api.letsencrypt.org-directory`). Not yet Safe()d: the prefixes do that.
 */
export function acmeIssuerKey(caURL: string): string {
  let key = caURL;
  let u;
  try {
    u = goParseURL(caURL);
  } catch {
    return key;
  }
  key = u.host;
  if (u.path !== '') {
    const path = u.path.replace(/[/\\]/g, '-').replace(/^-+|-+$/g, '');
    if (path !== '') key += '-' + path;
  }
  return key;
}

/** The internal issuer's key is its CA's id (InternalIssuer.IssuerKey). */
export const internalIssuerKey = (caID = 'local'): string => caID;

/** CertificateResource.NamesKey: the sorted SANs joined by commas, capped at 1024 bytes. */
export function namesKey(sans: readonly string[]): string {
  // Go sorts strings by bytes; for the ASCII names certificates carry that is code-unit order.
  const result = [...sans].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join(',');
  if (result.length > 1024) {
    const trunc = '_trunc';
    return result.slice(0, 1024 - trunc.length) + trunc;
  }
  return result;
}

export const certsPrefix = (issuerKey: string): string => join(prefixCerts, safe(issuerKey));
export const certsSitePrefix = (issuerKey: string, domain: string): string => join(certsPrefix(issuerKey), safe(domain));
export const siteCert = (issuerKey: string, domain: string): string => join(certsSitePrefix(issuerKey, domain), safe(domain) + '.crt');
export const sitePrivateKey = (issuerKey: string, domain: string): string => join(certsSitePrefix(issuerKey, domain), safe(domain) + '.key');
export const siteMeta = (issuerKey: string, domain: string): string => join(certsSitePrefix(issuerKey, domain), safe(domain) + '.json');

/** certmagic's fastHash: FNV-1a 32-bit, lower-case hex without padding. */
export function fnv32a(input: Uint8Array | string): string {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  let h = 0x811c9dc5;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16);
}

/** KeyBuilder.OCSPStaple for a certificate whose first name is firstName. */
export function ocspStaple(firstName: string | undefined, pemBundle: Uint8Array | string): string {
  return join(prefixOCSP, (firstName !== undefined ? safe(firstName) + '-' : '') + fnv32a(pemBundle));
}

// ACME accounts (account.go).

export const acmeCAPrefix = (issuerKey: string): string => join(prefixACME, safe(issuerKey));
export const acmeUsersPrefix = (issuerKey: string): string => join(acmeCAPrefix(issuerKey), 'users');
export const acmeUserPrefix = (issuerKey: string, email: string): string => join(acmeUsersPrefix(issuerKey), safe(email || emptyEmail));

/** emailUsername: the part before '@' (or after a leading '@'), else the whole string. */
function emailUsername(email: string): string {
  const at = email.indexOf('@');
  if (at === -1) return email;
  if (at === 0) return email.slice(1);
  return email.slice(0, at);
}

function userFile(issuerKey: string, email: string, defaultName: string, ext: string): string {
  const lower = (email || emptyEmail).toLowerCase();
  const name = emailUsername(lower) || defaultName;
  return join(acmeUserPrefix(issuerKey, lower), safe(name) + ext);
}

export const acmeUserReg = (issuerKey: string, email: string): string => userFile(issuerKey, email, 'registration', '.json');
export const acmeUserPrivateKey = (issuerKey: string, email: string): string => userFile(issuerKey, email, 'private', '.key');

// Distributed challenge solving (solvers.go distributedSolver).

/**
 * Where a challenge for identifier is kept while it is being solved, so any
 * instance sharing the storage can answer it. issuerKey is the ACME issuer's
 * key (acmeIssuerKey of its directory URL).
 */
export const challengeTokensKey = (issuerKey: string, identifier: string): string =>
  join(acmeCAPrefix(issuerKey), 'challenge_tokens', safe(identifier) + '.json');

// The internal CA (caddypki ca.go).

export const pkiCAPrefix = (caID: string): string => join('pki', 'authorities', safe(caID));
export const pkiRootCert = (caID: string): string => join(pkiCAPrefix(caID), 'root.crt');
export const pkiRootKey = (caID: string): string => join(pkiCAPrefix(caID), 'root.key');
export const pkiIntermediateCert = (caID: string): string => join(pkiCAPrefix(caID), 'intermediate.crt');
export const pkiIntermediateKey = (caID: string): string => join(pkiCAPrefix(caID), 'intermediate.key');

// Lock names.

/** Config.lockKey(certIssueLockOp, name): held while obtaining or renewing name's certificate. */
export const certIssueLockName = (name: string): string => `issue_cert_${name}`;
/** Held while a CA's root or intermediate is created or renewed (Caddy has no lock there; tsweb instances sharing storage need one). */
export const pkiLockName = (caID: string): string => `pki_ca_${caID}`;
