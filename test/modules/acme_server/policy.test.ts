// The identifier policy (smallstep's, as Caddy's acme_server configures it):
// unit cases, then a denied name refused at newOrder by a real server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeACMEServer } from '../../../src/modules/acme_server/config.js';
import { newClient, startCA, type CA } from './support.js';

const policyOf = (policy: Record<string, unknown>) => decodeACMEServer({ handler: 'acme_server', policy }).policy;
const dns = (value: string) => ({ type: 'dns' as const, value });
const ip = (value: string) => ({ type: 'ip' as const, value });

describe('acme_server policy', () => {
  it('no rules: everything, wildcards too', () => {
    const p = policyOf({});
    expect(p(dns('anything.example'))).toBeNull();
    expect(p(dns('*.example.com'))).toBeNull();
    expect(p(ip('10.1.2.3'))).toBeNull();
  });

  it('allow: only matching names of the allowed types; *.x matches names below x only', () => {
    const p = policyOf({ allow: { domains: ['host.internal.test', '*.lan.test'] } });
    expect(p(dns('host.internal.test'))).toBeNull();
    expect(p(dns('HOST.internal.test'))).toBeNull();
    expect(p(dns('a.lan.test'))).toBeNull();
    expect(p(dns('b.a.lan.test'))).toBeNull();
    expect(p(dns('lan.test'))).toMatch(/not allowed/);
    expect(p(dns('other.internal.test'))).toMatch(/not allowed/);
    // IPs have no allow rule while domains do: refused.
    expect(p(ip('10.0.0.1'))).toMatch(/not allowed/);
    expect(p(dns('*.lan.test'))).toMatch(/wildcard/);
  });

  it('deny wins; other types stay allowed; ip_ranges take CIDRs and single addresses', () => {
    const p = policyOf({ allow: { domains: ['*.corp.test'], ip_ranges: ['10.0.0.0/8'] }, deny: { domains: ['dc.corp.test'], ip_ranges: ['10.9.9.9'] }, allow_wildcard_names: true });
    expect(p(dns('dc.corp.test'))).toMatch(/denied/);
    expect(p(dns('web.corp.test'))).toBeNull();
    expect(p(dns('*.corp.test'))).toBeNull();
    expect(p(ip('10.1.1.1'))).toBeNull();
    expect(p(ip('10.9.9.9'))).toMatch(/denied/);
    expect(p(ip('192.168.1.1'))).toMatch(/not allowed/);
    const d = policyOf({ deny: { domains: ['bad.test'] } });
    expect(d(dns('bad.test'))).toMatch(/denied/);
    expect(d(dns('good.test'))).toBeNull();
    expect(d(ip('1.2.3.4'))).toBeNull();
  });

  it('decode errors name the JSON path', () => {
    expect(() => decodeACMEServer({ handler: 'acme_server', challenges: ['http-02'] })).toThrow('challenges[0]: acme challenge "http-02" is not supported');
    expect(() => decodeACMEServer({ handler: 'acme_server', policy: { allow: { ip_ranges: ['10.0.0.0/99'] } } })).toThrow(/^policy.allow.ip_ranges\[0\]: netip.ParsePrefix/);
    expect(() => decodeACMEServer({ handler: 'acme_server', nope: 1 })).toThrow('json: unknown field "nope"');
    // Caddy's check needs the pki app's intermediate_lifetime, which tsweb does not read: loads (provision warns).
    expect(decodeACMEServer({ handler: 'acme_server', lifetime: '7d' }).lifetimeMs).toBe(7 * 24 * 3600_000);
    const c = decodeACMEServer({ handler: 'acme_server', challenges: [' TLS-ALPN-01 ', 'dns-01'] });
    expect(c.challenges).toEqual(['tls-alpn-01']);
    expect(c.dnsAsked).toBe(true);
  });
});

describe('acme_server policy through a real server', () => {
  let dir: string;
  let ca: CA;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsweb-acme-policy-'));
    process.env.XDG_DATA_HOME = join(dir, 'data');
    ca = await startCA(join(dir, 'data'), { policy: { deny: { domains: ['denied.localhost'] } } });
  });
  afterAll(async () => {
    await ca?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a denied name: rejectedIdentifier at newOrder, with a subproblem naming it; others are ordered', async () => {
    const client = await newClient(ca);
    await client.createAccount({ termsOfServiceAgreed: true });
    const err = await client.createOrder({ identifiers: [dns('ok.localhost'), dns('denied.localhost')] }).then(
      () => undefined,
      (e: unknown) => e as Error & { type?: string },
    );
    expect(err?.message).toBe('dns identifier "denied.localhost" is denied by the policy');
    const ok = await client.createOrder({ identifiers: [dns('ok.localhost')] });
    expect(ok.status).toBe('pending');
    expect(ca.lines.join('\n')).not.toMatch(/unrestricted/);
  });
});
