/**
 * The bcrypt password hasher (Caddy's caddyauth.BcryptHash,
 * http.authentication.hashes.bcrypt): `$2a$<cost>$<salt+hash>` as Go's
 * x/crypto/bcrypt writes it; 2b, 2x and 2y are read too.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';

export const BCRYPT = /^\$2[abxy]?\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const B64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A syntactically valid bcrypt hash nobody's password produces, at the given cost. */
export function bcryptFakeHash(cost: string): string {
  let salt = '';
  for (const b of randomBytes(53)) salt += B64[b & 63];
  return `$2a$${cost}$${salt}`;
}

/** bcrypt the password with the stored hash's salt and compare the results in constant time. */
export async function bcryptMatches(hash: string, password: string): Promise<boolean> {
  if (!BCRYPT.test(hash)) throw new Error('crypto/bcrypt: hashedSecret is not a valid bcrypt hash');
  // 2a, 2b and 2y hash the same way (they differ only in old implementations' bugs).
  const norm = hash.replace(/^\$2[abxy]?\$/, '$2a$');
  const computed = Buffer.from(await bcrypt.hash(password, norm.slice(0, 29)));
  const expected = Buffer.from(norm);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
