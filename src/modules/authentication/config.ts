/**
 * The `authentication` handler's JSON (Caddy's caddyauth.Authentication)
 * and its http_basic provider's (caddyauth.HTTPBasicAuth), as `basic_auth`
 * writes them, and their decoders.
 */
import { DecodeError, ObjectReader } from '../../core/decode.js';
import type { JSONObject } from '../../core/registry.js';

/** http.authentication.hashes.*: the algorithm names the module. */
export interface HashConfig {
  algorithm: string;
}

/** caddyauth.Account. */
export interface AccountConfig {
  username: string;
  /** The hash, as `hash-password` prints it, or that text base64-encoded (older Caddyfiles). */
  password: string;
  /** Caddy 2.6's external salt (scrypt only); accepted, unused by bcrypt and argon2id. */
  salt?: string;
}

export interface HTTPBasicAuthConfig {
  hash?: HashConfig;
  accounts?: AccountConfig[];
  realm?: string;
  /** Present: cache successful checks (Caddy's Cache has no fields). tsweb always caches. */
  hash_cache?: Record<string, never>;
}

export interface ProvidersConfig {
  http_basic?: HTTPBasicAuthConfig;
}

export interface AuthenticationConfig {
  handler: 'authentication';
  providers?: ProvidersConfig;
}

export type HashAlgorithm = 'bcrypt' | 'argon2id';

/** The http_basic provider, checked: username → hash text in the algorithm's format. */
export interface BasicAuth {
  algorithm: HashAlgorithm;
  accounts: Map<string, string>;
  realm: string;
}

export interface Authentication {
  /** In the JSON's order; http_basic is the only provider tsweb has. */
  providers: BasicAuth[];
}

function decodeHash(r: ObjectReader): HashAlgorithm {
  const raw = r.raw('hash');
  if (raw === undefined || raw === null) return 'bcrypt';
  const h = r.obj('hash');
  const algorithm = h.str('algorithm', 'bcrypt');
  if (algorithm !== 'bcrypt' && algorithm !== 'argon2id') {
    throw new Error(`loading password hasher module: unknown module: http.authentication.hashes.${algorithm}`);
  }
  h.done();
  return algorithm;
}

function decodeBasicAuth(r: ObjectReader): BasicAuth {
  const algorithm = decodeHash(r);
  const accounts = new Map<string, string>();
  r.list('accounts', (v, path) => {
    const a = ObjectReader.of(v, path, 'caddyauth.Account');
    const username = a.str('username', '');
    const password = a.str('password', '');
    // Only Caddy 2.6's scrypt used it; bcrypt and argon2id hashes carry their salt.
    a.str('salt');
    a.done();
    return { username, password };
  }).forEach(({ username, password: text }, i) => {
    let password = text;
    if (username === '' || password === '') throw new Error(`account ${i}: username and password are required`);
    // Older Caddyfiles hold the hash base64-encoded; current ones hold it as is.
    if (!password.startsWith('$')) password = Buffer.from(password, 'base64').toString('latin1');
    if (accounts.has(username)) throw new Error(`account ${i}: username is not unique: ${username}`);
    accounts.set(username, password);
  });
  const realm = r.str('realm', '') || 'restricted';
  r.obj('hash_cache').done();
  r.done();
  return { algorithm, accounts, realm };
}

const providerModules: Record<string, (r: ObjectReader) => BasicAuth> = { http_basic: decodeBasicAuth };

export function decodeAuthentication(json: JSONObject): Authentication {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const providers = r.obj('providers', 'caddy.ModuleMap');
  r.done();
  const out: BasicAuth[] = [];
  for (const name of Object.keys(providers.json)) {
    if (name === '@id') continue;
    const decode = Object.hasOwn(providerModules, name) ? providerModules[name] : undefined;
    if (decode === undefined) throw new Error(`loading authentication providers: unknown module: http.authentication.providers.${name}`);
    try {
      out.push(decode(providers.obj(name)));
    } catch (err) {
      // A JSON path says where by itself; the provider's own checks get Caddy's prefix.
      if (err instanceof DecodeError) throw err;
      throw new Error(`loading authentication providers: position ${name}: ${(err as Error).message}`);
    }
  }
  return { providers: out };
}
