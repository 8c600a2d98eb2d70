/**
 * Shared by the on-demand TLS tests: a real permission endpoint on
 * 127.0.0.1 that records every ask, a TLS client that only shakes hands,
 * and the JSON of a catch-all on-demand site.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';
import { respond } from '../support/client.js';

export interface Ask {
  domain: string;
  ip: string;
  url: string;
}

export interface AskServer {
  url: string;
  asks: Ask[];
  /** The status for a domain (200 = allowed). */
  answer: (domain: string) => number;
  close(): Promise<void>;
}

export async function askServer(answer: (domain: string) => number = () => 200): Promise<AskServer> {
  const s = { asks: [] as Ask[], answer } as AskServer;
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const domain = u.searchParams.get('domain') ?? '';
    s.asks.push({ domain, ip: u.searchParams.get('ip') ?? '', url: req.url ?? '' });
    res.statusCode = s.answer(domain);
    if (res.statusCode >= 300 && res.statusCode < 400) res.setHeader('Location', '/elsewhere');
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/check`;
  s.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return s;
}

export interface Shaken {
  cert: PeerCertificate;
  /** How long the handshake took. */
  ms: number;
}

/** One TLS handshake with SNI `servername`, verified against `ca`; the connection is closed after it. */
export function handshake(port: number, servername: string, ca: Buffer, timeoutMs = 20_000): Promise<Shaken> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, servername, ca, ALPNProtocols: ['http/1.1'] }, () => {
      const cert = s.getPeerCertificate();
      s.end();
      resolve({ cert, ms: performance.now() - start });
    });
    s.setTimeout(timeoutMs, () => s.destroy(new Error('handshake timed out')));
    s.on('error', reject);
  });
}

/** A catch-all HTTPS site whose names get certificates on demand, as `https:// { tls internal { on_demand } }` adapts. */
export function onDemandSite(o: { port: number; httpPort: number; ask?: string; issuers?: unknown[]; tls?: Record<string, unknown>; policies?: unknown[] }) {
  return {
    // Debug lines too: the ask and storage steps are logged at debug, as Caddy does.
    logging: { logs: { default: { level: 'DEBUG' } } },
    apps: {
      tls: {
        ...o.tls,
        automation: {
          policies: [...(o.policies ?? []), { issuers: o.issuers ?? [{ module: 'internal' }], on_demand: true }],
          ...(o.ask === undefined ? {} : { on_demand: { permission: { module: 'http', endpoint: o.ask } } }),
        },
      },
      http: {
        http_port: o.httpPort,
        https_port: o.port,
        servers: { srv0: { listen: [`127.0.0.1:${o.port}`], routes: [{ handle: [respond('hi {http.request.host}')] }], tls_connection_policies: [{}] } },
      },
    },
  };
}

export interface Lines {
  lines: Array<{ level: string; logger: string; msg: string; fields: Record<string, unknown> }>;
  log: (level: string, logger: string, msg: string, fields?: Record<string, unknown>) => void;
  count: (msg: string) => number;
}

export function collectLogs(): Lines {
  const lines: Lines['lines'] = [];
  return {
    lines,
    log: (level, logger, msg, fields = {}) => lines.push({ level, logger, msg, fields }),
    count: (msg) => lines.filter((l) => l.msg === msg).length,
  };
}
