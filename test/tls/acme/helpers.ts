// Shared by the ACME tests: a tsweb config for one ACME site, an HTTPS client
// that verifies against a given root, and polling until a condition holds.
import { request } from 'node:https';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { Pebble } from '../../support/pebble.js';

export interface SiteOptions {
  name: string;
  pebble: Pebble;
  httpPort: number;
  httpsPort: number;
  issuer?: Record<string, unknown>;
  policy?: Record<string, unknown>;
  automation?: Record<string, unknown>;
  top?: Record<string, unknown>;
}

export function acmeSite(o: SiteOptions): Record<string, unknown> {
  return {
    ...o.top,
    apps: {
      tls: {
        automation: {
          ...o.automation,
          policies: [{ subjects: [o.name], issuers: [{ module: 'acme', ca: o.pebble.directory, trusted_roots_pem_files: [o.pebble.caFile], ...o.issuer }], ...o.policy }],
        },
      },
      http: {
        http_port: o.httpPort,
        https_port: o.httpsPort,
        servers: { s: { listen: [`127.0.0.1:${o.httpsPort}`], routes: [{ match: [{ host: [o.name] }], handle: [{ handler: 'static_response', body: 'hello {http.request.host}' }] }] } },
      },
    },
  };
}

export interface Got {
  status: number;
  body: string;
  cert: PeerCertificate;
}

/** GET https://name:port/ verified against ca (a PEM root), SNI and Host = name. */
export function getHTTPS(port: number, name: string, ca: string): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, servername: name, headers: { host: name }, ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      const cert = (res.socket as TLSSocket).getPeerCertificate();
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString(), cert }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Calls fn until it resolves (or the time is up, then its last error). */
export async function eventually<T>(fn: () => Promise<T> | T, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export function collect(): { lines: string[]; log: (lvl: string, logger: string, msg: string, f?: Record<string, unknown>) => void; text: () => string } {
  const lines: string[] = [];
  return { lines, log: (lvl, logger, msg, f) => lines.push(`${lvl} ${logger} ${msg} ${JSON.stringify(f ?? {})}`), text: () => lines.join('\n') };
}
