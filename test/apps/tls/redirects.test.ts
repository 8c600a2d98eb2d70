import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../../src/runtime/runtime.js';
import { freePort } from '../../support/free_port.js';
import { respond, send } from '../../support/client.js';

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsweb-redirects-'));
  env = { ...process.env, XDG_DATA_HOME: join(dir, 'data') };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const site = (host: string, body: string) => ({ match: [{ host: [host] }], handle: [respond(body)], terminal: true });

interface Loaded {
  runtime: Runtime;
  lines: string[];
}

async function load(http: Record<string, unknown>): Promise<Loaded> {
  const lines: string[] = [];
  const runtime = new Runtime({ env, log: (_l, logger, msg, f) => lines.push(`${logger} ${msg} ${JSON.stringify(f)}`) });
  await runtime.load({ apps: { http } });
  return { runtime, lines };
}

function httpsGet(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  const ca = readFileSync(join(dir, 'data', 'tsweb', 'pki', 'authorities', 'local', 'root.crt'));
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, servername: host, headers: { host }, ca, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('automatic HTTP->HTTPS redirects', () => {
  it('redirects with 308 on the http_port, keeping path and query; the https_port is not named', async () => {
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const { runtime, lines } = await load({ http_port: httpPort, https_port: httpsPort, servers: { srv0: { listen: [`127.0.0.1:${httpsPort}`], routes: [site('localhost', 'secure')] } } });
    try {
      const r = await send(httpPort, '/a/b?x=1&y=%20', { headers: { host: 'localhost' } });
      expect(r.status).toBe(308);
      // Caddy's makeRedirRoute: the configured HTTPS port is for port forwarding, so it is left out.
      expect(r.headers.location).toBe('https://localhost/a/b?x=1&y=%20');
      expect(r.headers.connection).toBe('close');
      expect((await httpsGet(httpsPort, 'localhost', '/')).body).toBe('secure');
      expect(lines.some((l) => l.startsWith('http.auto_https enabling automatic HTTP->HTTPS redirects') && l.includes('"server_name":"srv0"'))).toBe(true);
      expect(lines.some((l) => l.includes('server running') && l.includes('remaining_auto_https_redirects'))).toBe(true);
      // An unknown host takes the catch-all, to the HTTPS port.
      const other = await send(httpPort, '/z', { headers: { host: 'other.test' } });
      expect(other.status).toBe(308);
      expect(other.headers.location).toBe('https://other.test/z');
    } finally {
      await runtime.stop();
    }
  });

  it('names a non-standard HTTPS port the server listens on', async () => {
    const [httpPort, httpsPort, sitePort] = [await freePort(), await freePort(), await freePort()];
    const { runtime } = await load({ http_port: httpPort, https_port: httpsPort, servers: { srv0: { listen: [`127.0.0.1:${sitePort}`], routes: [site('localhost', 'secure')] } } });
    try {
      const r = await send(httpPort, '/p?q', { headers: { host: 'localhost' } });
      expect(r.status).toBe(308);
      expect(r.headers.location).toBe(`https://localhost:${sitePort}/p?q`);
      expect((await httpsGet(sitePort, 'localhost', '/')).body).toBe('secure');
    } finally {
      await runtime.stop();
    }
  });

  it('disable_redirects and disable leave the HTTP port closed', async () => {
    for (const automatic_https of [{ disable_redirects: true }, { disable: true }]) {
      const [httpPort, httpsPort] = [await freePort(), await freePort()];
      const { runtime, lines } = await load({ http_port: httpPort, https_port: httpsPort, servers: { srv0: { listen: [`127.0.0.1:${httpsPort}`], routes: [site('localhost', 'ok')], automatic_https } } });
      try {
        await expect(send(httpPort, '/', { headers: { host: 'localhost' } })).rejects.toThrow(/ECONNREFUSED/);
        expect(lines.some((l) => l.includes('enabling automatic HTTP->HTTPS redirects'))).toBe(false);
      } finally {
        await runtime.stop();
      }
    }
  });

  it('leaves a user server on the HTTP port alone', async () => {
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const { runtime } = await load({
      http_port: httpPort,
      https_port: httpsPort,
      servers: {
        srv0: { listen: [`127.0.0.1:${httpsPort}`], routes: [site('localhost', 'secure')] },
        plain: { listen: [`127.0.0.1:${httpPort}`], routes: [{ handle: [respond('plain')] }] },
      },
    });
    try {
      const r = await send(httpPort, '/', { headers: { host: 'localhost' } });
      expect(r.status).toBe(200);
      expect(r.text).toBe('plain');
      expect(runtime.addresses().has('remaining_auto_https_redirects')).toBe(false);
    } finally {
      await runtime.stop();
    }
  });

  it('redirects an ACME name too (its certificate comes in the background), as Caddy does', async () => {
    const [httpPort, sitePort] = [await freePort(), await freePort()];
    // The CA is a loopback port nobody listens on: nothing leaves the machine, the attempts fail and retry.
    const prev = env.TSWEB_ACME_CA;
    env.TSWEB_ACME_CA = `https://127.0.0.1:${await freePort()}/directory`;
    const { runtime } = await load({ http_port: httpPort, servers: { srv0: { listen: [`127.0.0.1:${sitePort}`], routes: [site('pub.example.com', 'plain')] } } });
    env.TSWEB_ACME_CA = prev;
    try {
      const r = await send(httpPort, '/a?b', { headers: { host: 'pub.example.com' } });
      expect(r.status).toBe(308);
      expect(r.headers.location).toBe(`https://pub.example.com:${sitePort}/a?b`);
      // The site's port is TLS now: plain HTTP does not reach the site.
      const plain = await send(sitePort, '/', { headers: { host: 'pub.example.com' } }).catch(() => null);
      expect(plain?.text).not.toBe('plain');
    } finally {
      await runtime.stop();
    }
  });
});
