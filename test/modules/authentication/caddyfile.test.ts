import { describe, expect, it } from 'vitest';
import { adaptError, handlers, runDirectives } from '../../adapt/handlers-harness.js';

const hash = '$2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG';

describe('basic_auth', () => {
  it.each([
    ['basic_auth', { algorithm: 'bcrypt' }, undefined],
    ['basic_auth bcrypt', { algorithm: 'bcrypt' }, undefined],
    ['basic_auth argon2id', { algorithm: 'argon2id' }, undefined],
    ['basic_auth bcrypt "Staff only"', { algorithm: 'bcrypt' }, 'Staff only'],
  ])('%s', (first, algo, realm) => {
    const out = handlers(`${first} {\n\tBob ${hash}\n\talice ${hash}\n}`);
    expect(out).toEqual([
      {
        handler: 'authentication',
        providers: {
          http_basic: {
            hash: algo,
            accounts: [
              { username: 'Bob', password: hash },
              { username: 'alice', password: hash },
            ],
            ...(realm ? { realm } : {}),
            hash_cache: {},
          },
        },
      },
    ]);
  });

  it('takes a matcher', () => {
    expect(runDirectives(`basic_auth /admin/* {\n\tbob ${hash}\n}`).values[0]!.value).toMatchObject({ match: [{ path: ['/admin/*'] }] });
  });

  it('the deprecated basicauth adapts the same and warns', () => {
    const old = runDirectives(`basicauth {\n\tbob ${hash}\n}`);
    const cur = runDirectives(`basic_auth {\n\tbob ${hash}\n}`);
    expect(old.values).toEqual(cur.values);
    expect(old.warnings.map((w) => w.message)).toEqual(["the 'basicauth' directive is deprecated, please use 'basic_auth' instead!"]);
    expect(cur.warnings).toEqual([]);
  });

  it.each([
    ['basic_auth md5 {\n\tbob x\n}', 'unrecognized hash algorithm: md5'],
    ['basic_auth bcrypt realm extra {\n\tbob x\n}', 'Wrong argument count'],
    ['basic_auth {\n\tbob\n}', 'username and password cannot be empty or missing'],
    ['basic_auth {\n\tbob x y\n}', 'Wrong argument count'],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});
