/**
 * basic_auth [<matcher>] [<hash_algorithm> [<realm>]] {
 *     <username> <hashed_password>
 *     ...
 * }
 *
 * Hash algorithms: bcrypt (default) and argon2id. `basicauth` is the
 * deprecated spelling and adapts the same, with a warning.
 */
import type { Helper } from '../../adapt/helper.js';
import { handlerDirective } from '../../adapt/registry.js';
import type { AccountConfig, AuthenticationConfig, HTTPBasicAuthConfig } from './config.js';

const algorithms = ['bcrypt', 'argon2id'];

function parseBasicAuth(h: Helper): AuthenticationConfig {
  h.next(); // directive name
  if (h.val() === 'basicauth') h.warn("the 'basicauth' directive is deprecated, please use 'basic_auth' instead!");

  const args = h.remainingArgs();
  if (args.length > 2) throw h.argErr();
  const algorithm = args[0] ?? 'bcrypt';
  const realm = args[1];
  if (!algorithms.includes(algorithm)) throw h.err(`unrecognized hash algorithm: ${algorithm}`);

  const accounts: AccountConfig[] = [];
  while (h.nextBlock(0)) {
    const username = h.val();
    const password = h.nextArg() ? h.val() : '';
    if (h.nextArg()) throw h.argErr();
    if (username === '' || password === '') throw h.err('username and password cannot be empty or missing');
    accounts.push({ username, password });
  }

  // Field order of Caddy's HTTPBasicAuth: hash, accounts, realm, hash_cache.
  const basic: HTTPBasicAuthConfig = { hash: { algorithm } };
  if (accounts.length) basic.accounts = accounts;
  if (realm) basic.realm = realm;
  basic.hash_cache = {};
  return { handler: 'authentication', providers: { http_basic: basic } };
}

export const basicAuthDirective = handlerDirective('basic_auth', parseBasicAuth);
export const basicauthDirective = handlerDirective('basicauth', parseBasicAuth);
