// Shared by the acme_server tests: a tsweb Runtime serving acme_server on
// https://ca.localhost:<port>, an HTTPS agent that reaches it (ca.localhost
// resolved to 127.0.0.1, its internal root trusted), acme-client on top, and
// a raw JWS signer for requests no well-behaved client would send.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { LookupFunction } from 'node:net';
import { join } from 'node:path';
import * as acme from 'acme-client';
import { Runtime } from '../../../src/runtime/runtime.js';
import { freePort } from '../../support/free_port.js';

export const loopback: LookupFunction = (_host, opts, cb) => {
  if ((opts as { all?: boolean }).all) (cb as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
};

export interface CA {
  runtime: Runtime;
  port: number;
  directory: string;
  root: string;
  agent: Agent;
  lines: string[];
  stop(): Promise<void>;
}

/**
 * Loads a config whose server on 127.0.0.1:port serves acme_server (handler
 * JSON `handler`) for ca.localhost; with `storageRoot`, a top-level
 * file_system storage there holds the CA.
 */
export async function startCA(dataHome: string, handler: Record<string, unknown> = {}, storageRoot?: string): Promise<CA> {
  const port = await freePort();
  const lines: string[] = [];
  const env = { ...process.env, XDG_DATA_HOME: dataHome };
  const runtime = new Runtime({ env, log: (lvl, logger, msg, f) => lines.push(`${lvl} ${logger} ${msg} ${JSON.stringify(f ?? {})}`) });
  await runtime.load({
    admin: { disabled: true },
    ...(storageRoot === undefined ? {} : { storage: { module: 'file_system', root: storageRoot } }),
    apps: {
      http: {
        http_port: await freePort(),
        https_port: port,
        servers: {
          ca: {
            listen: [`127.0.0.1:${port}`],
            routes: [{ match: [{ host: ['ca.localhost'] }], handle: [{ handler: 'acme_server', ...handler }], terminal: true }],
          },
        },
      },
    },
  });
  const root = readFileSync(join(storageRoot ?? join(dataHome, 'tsweb'), 'pki', 'authorities', 'local', 'root.crt'), 'utf8');
  const agent = new Agent({ ca: root, lookup: loopback, keepAlive: false });
  return {
    runtime,
    port,
    directory: `https://ca.localhost:${port}/acme/local/directory`,
    root,
    agent,
    lines,
    stop: async () => {
      agent.destroy();
      await runtime.stop();
    },
  };
}

export async function newClient(ca: CA, accountKey?: Buffer): Promise<acme.Client> {
  acme.axios.defaults.httpsAgent = ca.agent;
  acme.axios.defaults.proxy = false;
  return new acme.Client({ directoryUrl: ca.directory, accountKey: accountKey ?? (await acme.crypto.createPrivateEcdsaKey()), backoffMin: 50, backoffMax: 300, backoffAttempts: 40 });
}

export interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request to the CA. */
export function raw(ca: CA, method: string, path: string, body?: string, contentType = 'application/jose+json'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: 'ca.localhost', port: ca.port, method, path, agent: ca.agent, headers: body === undefined ? {} : { 'content-type': contentType } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function nonce(ca: CA): Promise<string> {
  const r = await raw(ca, 'HEAD', '/acme/local/new-nonce');
  return r.headers['replay-nonce'] as string;
}

export const b64 = (v: string | Buffer): string => Buffer.from(v).toString('base64url');

/** A flattened JWS signed with an ES256 key; header fields as given (jwk or kid). */
export function signJWS(key: KeyObject, header: Record<string, unknown>, payload: unknown | ''): string {
  const protectedB64 = b64(JSON.stringify({ alg: 'ES256', ...header }));
  const payloadB64 = payload === '' ? '' : b64(JSON.stringify(payload));
  const sig = sign('sha256', Buffer.from(`${protectedB64}.${payloadB64}`), { key, dsaEncoding: 'ieee-p1363' });
  return JSON.stringify({ protected: protectedB64, payload: payloadB64, signature: b64(sig) });
}

export function ecKey(): { key: KeyObject; jwk: Record<string, unknown>; thumbprint: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  const thumbprint = createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
  return { key: privateKey, jwk, thumbprint };
}
