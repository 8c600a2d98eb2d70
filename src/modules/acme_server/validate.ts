/**
 * Checking a challenge against the client's server (RFC 8555 §8.3, RFC 8737,
 * RFC 8738): http-01 fetches http://<name>/.well-known/acme-challenge/<token>
 * and compares the body with the key authorization; tls-alpn-01 connects
 * with ALPN acme-tls/1 and SNI <name> and checks the self-signed
 * certificate's name and acmeIdentifier extension.
 *
 * Names under .localhost resolve to 127.0.0.1 here (RFC 6761 §6.3), since
 * the system resolver may not know them. The ports are 80 and 443, as the
 * RFCs fix them; for tests only (a real CA never would),
 * TSWEB_ACME_SERVER_HTTP_PORT / TSWEB_ACME_SERVER_TLS_PORT move them and
 * TSWEB_ACME_SERVER_DIAL names the address to connect to instead of
 * resolving the identifier (names like app.example.test resolve nowhere).
 */
import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { request } from 'node:http';
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import type { Identifier } from './policy.js';
import { Problem } from './problem.js';

export interface ValidationPorts {
  http: number;
  tls: number;
  /** Tests only: connect here whatever the name. */
  dial?: string;
}

export function validationPorts(env: NodeJS.ProcessEnv): ValidationPorts {
  const port = (v: string | undefined, def: number) => {
    const n = Number(v);
    return v !== undefined && v !== '' && Number.isInteger(n) && n > 0 && n < 65536 ? n : def;
  };
  const dial = env.TSWEB_ACME_SERVER_DIAL;
  return { http: port(env.TSWEB_ACME_SERVER_HTTP_PORT, 80), tls: port(env.TSWEB_ACME_SERVER_TLS_PORT, 443), ...(dial && isIP(dial) ? { dial } : {}) };
}

const timeoutMs = 10_000;
const maxBody = 8192;

async function resolve(name: string, dial?: string): Promise<string> {
  if (dial) return dial;
  if (isIP(name)) return name;
  const n = name.toLowerCase();
  if (n === 'localhost' || n.endsWith('.localhost')) return '127.0.0.1';
  try {
    return (await lookup(name)).address;
  } catch (err) {
    throw new Problem('dns', `looking up ${name}: ${(err as Error).message}`);
  }
}

export async function validateHTTP01(id: Identifier, token: string, keyAuth: string, port: number, dial?: string): Promise<void> {
  const address = await resolve(id.value, dial);
  const hostHeader = isIP(id.value) === 6 ? `[${id.value}]` : id.value;
  const body = await new Promise<string>((ok, fail) => {
    const req = request(
      { host: address, port, path: `/.well-known/acme-challenge/${token}`, headers: { host: port === 80 ? hostHeader : `${hostHeader}:${port}`, 'user-agent': 'tsweb acme_server' }, agent: false, timeout: timeoutMs },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          fail(new Problem('unauthorized', `the http-01 challenge response from ${id.value} has status ${res.statusCode}`, 403));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBody) {
            res.destroy();
            fail(new Problem('unauthorized', `the http-01 challenge response from ${id.value} is too long`, 403));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
        res.on('error', (e) => fail(new Problem('connection', `reading the http-01 challenge response from ${id.value}: ${e.message}`)));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => fail(new Problem('connection', `fetching the http-01 challenge from ${id.value}:${port}: ${e.message}`)));
    req.end();
  });
  if (body.trim() !== keyAuth) {
    throw new Problem('incorrectResponse', `the http-01 key authorization from ${id.value} does not match (expected "${keyAuth}", got "${body.trim().slice(0, 100)}")`, 403);
  }
}

const acmeIdentifierOID = '1.3.6.1.5.5.7.1.31';

/** RFC 8738 §6: the SNI for an IP identifier is its reverse-DNS name. */
function reverseName(ip: string): string {
  if (isIP(ip) === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const hex = Buffer.from(expandV6(ip)).toString('hex');
  return `${hex.split('').reverse().join('.')}.ip6.arpa`;
}

function expandV6(ip: string): Uint8Array {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

export async function validateTLSALPN01(id: Identifier, keyAuth: string, port: number, dial?: string): Promise<void> {
  const address = await resolve(id.value, dial);
  const servername = id.type === 'ip' ? reverseName(id.value) : id.value;
  const raw = await new Promise<Buffer>((ok, fail) => {
    const sock = connect({ host: address, port, servername, ALPNProtocols: ['acme-tls/1'], rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const proto = sock.alpnProtocol;
      const cert = sock.getPeerX509Certificate();
      sock.destroy();
      if (proto !== 'acme-tls/1') return fail(new Problem('tls', `${id.value} did not negotiate the acme-tls/1 protocol`, 403));
      if (!cert) return fail(new Problem('tls', `${id.value} sent no certificate`, 403));
      ok(cert.raw);
    });
    sock.on('timeout', () => sock.destroy(new Error('timeout')));
    sock.on('error', (e) => fail(new Problem('tls', `connecting to ${id.value}:${port} for tls-alpn-01: ${e.message}`)));
  });
  // x509 is loaded on first use: no start-up pays for it.
  const { x509 } = await import('../../tls/pki/x509.js');
  const cert = new x509.X509Certificate(new Uint8Array(raw));
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san?.names.items ?? [];
  if (names.length !== 1 || names[0]!.type !== id.type || names[0]!.value.toLowerCase() !== id.value.toLowerCase()) {
    throw new Problem('unauthorized', `the tls-alpn-01 certificate from ${id.value} must name exactly ${id.value}`, 403);
  }
  const ext = cert.extensions.find((e) => e.type === acmeIdentifierOID);
  if (!ext || !ext.critical) throw new Problem('unauthorized', `the tls-alpn-01 certificate from ${id.value} has no critical acmeIdentifier extension`, 403);
  const digest = createHash('sha256').update(keyAuth).digest();
  const want = Buffer.concat([Buffer.from([0x04, 0x20]), digest]);
  if (!Buffer.from(ext.value).equals(want)) {
    throw new Problem('incorrectResponse', `the tls-alpn-01 acmeIdentifier from ${id.value} does not match the key authorization`, 403);
  }
}
