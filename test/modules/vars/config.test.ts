// The vars handler's JSON is a map: every field is a variable, of any JSON type.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/runtime/validate.js';

const handler = (h: object) => ({ apps: { http: { servers: { srv0: { listen: [':80'], routes: [{ handle: [h] }] } } } } });

describe('vars config', () => {
  it('accepts any field name and value (root and fs are variables too)', () => {
    expect(() => validateConfig(handler({ handler: 'vars', root: '/srv', fs: 'embedded', n: 1, list: [{ a: null }] }))).not.toThrow();
  });
});
