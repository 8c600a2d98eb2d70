// The http transport's TLS options against real TLS upstreams:
// handshake_timeout (an upstream that accepts and never answers the
// ClientHello: 504 after the handshake deadline, not the dial timeout),
// curves (only a shared curve lets the handshake through), except_ports
// (a port in the list is spoken to in plain text) and renegotiation (a TLS
// 1.2 upstream that renegotiates mid-request: refused by default as Go
// does, allowed with `once`/`freely`). Each through the fast path (GET) and
// the general path (POST).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeReverseProxy } from '../../../src/modules/reverse_proxy/config.js';
import { send, site, type Site } from '../../support/client.js';
import { type Backend, echoBackend } from './backends.js';

function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-uptls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '1', '-subj', '/CN=up.test'], { cwd: dir, stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) };
}

async function listen<T extends Server | HttpsServer>(s: T): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

describe('upstream TLS options', () => {
  let s: Site;
  let plain: Backend;
  const servers: Array<Server | HttpsServer> = [];
  const silent = new Set<Socket>();
  beforeAll(async () => {
    const kc = selfSigned();
    // Accepts TCP and never says a word: only a handshake deadline ends the wait.
    const mute = createNetServer((sock) => {
      silent.add(sock);
      sock.on('error', () => {});
    });
    const mutePort = await listen(mute);
    const p384 = createHttpsServer({ ...kc, ecdhCurve: 'P-384' }, (_req, res) => res.end('p384'));
    const p384Port = await listen(p384);
    const reneg = createHttpsServer({ ...kc, maxVersion: 'TLSv1.2' }, (req, res) => {
      (req.socket as TLSSocket).renegotiate({ rejectUnauthorized: false }, (err) => {
        if (err) return res.destroy();
        res.end('renegotiated');
      });
    });
    const renegPort = await listen(reneg);
    servers.push(mute, p384, reneg);
    plain = await echoBackend('plain');
    const tls = (extra: Record<string, unknown> = {}) => ({ insecure_skip_verify: true, ...extra });
    const rp = (port: number, transport: Record<string, unknown>) => ({ handler: 'reverse_proxy', upstreams: [{ dial: `127.0.0.1:${port}` }], transport: { protocol: 'http', ...transport } });
    s = await site([
      { match: [{ path: ['/hs/*'] }], handle: [rp(mutePort, { tls: tls({ handshake_timeout: '300ms' }) })] },
      { match: [{ path: ['/c384/*'] }], handle: [rp(p384Port, { tls: tls({ curves: ['secp384r1'] }) })] },
      { match: [{ path: ['/c256/*'] }], handle: [rp(p384Port, { tls: tls({ curves: ['secp256r1'] }) })] },
      { match: [{ path: ['/except/*'] }], handle: [rp(plain.port, { tls: tls({ except_ports: [String(plain.port)] }) })] },
      { match: [{ path: ['/reneg-never/*'] }], handle: [rp(renegPort, { tls: tls() })] },
      { match: [{ path: ['/reneg-freely/*'] }], handle: [rp(renegPort, { tls: tls({ renegotiation: 'freely' }) })] },
    ]);
  });
  afterAll(async () => {
    await s?.stop();
    await plain?.close();
    for (const x of silent) x.destroy();
    for (const x of servers) {
      (x as HttpsServer).closeAllConnections?.();
      x.close();
    }
  });

  it('handshake_timeout: a silent upstream is cut at the handshake deadline with a 504', async () => {
    for (const opts of [{}, { method: 'POST', body: 'x' }]) {
      const t0 = Date.now();
      const r = await send(s.port, '/hs/a', opts);
      const ms = Date.now() - t0;
      expect(r.status).toBe(504);
      expect(ms).toBeGreaterThanOrEqual(250);
      // The dial timeout (3 s) would have taken much longer.
      expect(ms).toBeLessThan(2500);
    }
  });

  it('curves: a shared curve connects, a curve the upstream lacks fails the handshake (502)', async () => {
    const ok = await send(s.port, '/c384/a');
    expect([ok.status, ok.body.toString()]).toEqual([200, 'p384']);
    expect((await send(s.port, '/c384/a', { method: 'POST', body: 'x' })).status).toBe(200);
    expect((await send(s.port, '/c256/a')).status).toBe(502);
    expect((await send(s.port, '/c256/a', { method: 'POST', body: 'x' })).status).toBe(502);
  });

  it('except_ports: that port is spoken to in plain text', async () => {
    const r = await send(s.port, '/except/a');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString()).name).toBe('plain');
    expect((await send(s.port, '/except/a', { method: 'POST', body: 'xyz' })).status).toBe(200);
  });

  it('renegotiation: refused unless allowed, as Go', async () => {
    expect((await send(s.port, '/reneg-never/a')).status).toBe(502);
    const ok = await send(s.port, '/reneg-freely/a');
    expect([ok.status, ok.body.toString()]).toEqual([200, 'renegotiated']);
    expect((await send(s.port, '/reneg-freely/a', { method: 'POST', body: 'x' })).status).toBe(200);
  });

  it('bad values fail the load', () => {
    const dec = (tls: Record<string, unknown>) => () => decodeReverseProxy({ handler: 'reverse_proxy', transport: { protocol: 'http', tls } });
    expect(dec({ curves: ['p256'] })).toThrow(/tls curves: unrecognized curve "p256"/);
    expect(dec({ renegotiation: 'sometimes' })).toThrow('invalid TLS renegotiation level: sometimes');
    expect(dec({ handshake_timeout: 'soon' })).toThrow(/handshake_timeout/);
  });
});
