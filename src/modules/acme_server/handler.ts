/**
 * The acme_server handler (Caddy's acmeserver.Handler.ServeHTTP): requests
 * under the path prefix (`/acme/` by default) are the ACME server's, the
 * rest go to the next handler. Decided at provision: the state folder, the
 * validation ports, the CA loader (the CA itself is read on first use, since
 * loading may create it, and provisioning makes no keys).
 */
import { join } from 'node:path';
import type { EngineLog } from '../../core/log.js';
import { handlerModule, type ProvisionEnv } from '../../core/registry.js';
import { isPrimaryWorker } from '../../core/shared/index.js';
import type { Handler } from '../../core/types.js';
import { dataDir, storageFromConfig } from '../../tls/data_dir.js';
import { goDuration } from '../../go/fmt.js';
import type { CertificateAuthority } from '../../tls/pki/ca.js';
import { decodeACMEServer, type ACMEServerConfig } from './config.js';
import { ACMEServer } from './server.js';
import { ACMEState, databaseKey } from './state.js';
import { validationPorts } from './validate.js';

const logger = 'http.handlers.acme_server';
const maxBody = 64 * 1024;
const sweepEveryMs = 10 * 60_000;
/** pki/ca.ts's defaultIntermediateLifetimeMs; not imported, since that module loads x509, which no start-up should pay for. */
const defaultIntermediateLifetimeMs = 7 * 24 * 3600_000;

/** CAs by storage and id, for the process's life: loading one may create it. */
const authorities = new Map<string, Promise<CertificateAuthority>>();

/** The CA lives in the config's storage, where the pki app and the internal issuer keep it (a top-level `storage` moves all three). */
function authorityLoader(storage: unknown, penv: NodeJS.ProcessEnv, id: string): () => Promise<CertificateAuthority> {
  const key = `${JSON.stringify(storage ?? null)}\n${dataDir(penv)}\n${id}`;
  return () => {
    let p = authorities.get(key);
    if (p === undefined) {
      p = import('../../tls/pki/ca.js').then(({ CertificateAuthority }) => CertificateAuthority.load(storageFromConfig(storage, penv), { id }));
      p.catch(() => authorities.delete(key));
      authorities.set(key, p);
    }
    // An intermediate near its end is renewed (under the CA's storage lock) before it signs.
    return p.then(async (ca) => {
      if (ca.needsRenewal(ca.intermediate.cert)) await ca.maintain();
      return ca;
    });
  };
}

async function readBody(ctx: Parameters<Handler>[0]): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > maxBody) return null;
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

export function provisionACMEServer(config: ACMEServerConfig, env: ProvisionEnv, opts: { env?: NodeJS.ProcessEnv } = {}): Handler {
  const penv = opts.env ?? env.env ?? process.env;
  const log: EngineLog = env.log ?? (() => {});
  // Caddy keeps its database under the app data dir (not the config's storage) too.
  const dir = dataDir(penv);
  const state = new ACMEState(join(dir, 'acme_server', databaseKey(config.ca)));
  const server = new ACMEServer({ config, state, authority: authorityLoader(env.storage, penv, config.ca), ports: validationPorts(penv), log });

  if (!config.restricted) {
    log('warn', logger, 'acme_server policy has no allow/deny rules; order identifiers are unrestricted (allow-all)', { ca: config.ca, allow_wildcard_names: config.allowWildcardNames });
  }
  // Newer Caddy refuses a lifetime not below the CA's intermediate_lifetime, which
  // the pki app may set longer than the default; tsweb's pki app does not read it
  // yet (intermediates live 7 days), so such a config loads and leaves end with the intermediate.
  if (config.lifetimeMs >= defaultIntermediateLifetimeMs) {
    log('warn', logger, 'certificate lifetime is not less than the intermediate certificate lifetime; certificates will expire with the intermediate', {
      lifetime: goDuration(config.lifetimeMs * 1e6),
      intermediate_lifetime: goDuration(defaultIntermediateLifetimeMs * 1e6),
    });
  }
  if (config.dnsAsked) log('warn', logger, 'the dns-01 challenge is not offered: tsweb\'s acme_server validates http-01 and tls-alpn-01 only', { ca: config.ca });
  if (isPrimaryWorker()) {
    const t = setInterval(() => void Promise.all([state.sweepNonces(), state.sweepOld()]).catch(() => undefined), sweepEveryMs);
    t.unref();
    env.onCleanup(() => clearInterval(t));
  }

  const prefix = config.pathPrefix;
  return async (ctx, next) => {
    if (!ctx.path.startsWith(prefix)) return next();
    const body = await readBody(ctx);
    const res = body === null
      ? { status: 413, headers: { 'Content-Type': 'application/problem+json' }, body: JSON.stringify({ type: 'urn:ietf:params:acme:error:malformed', detail: 'request body too large', status: 413 }) }
      : await server.serve({ method: ctx.method, rest: ctx.path.slice(prefix.length), hostport: ctx.hostport, contentType: ctx.req.headers['content-type'] ?? '', body });
    const w = ctx.w;
    for (const [k, v] of Object.entries(res.headers)) w.setHeader(k, v);
    if (res.body !== '') w.setHeader('Content-Length', Buffer.byteLength(res.body));
    w.writeHead(res.status);
    w.end(ctx.method === 'HEAD' ? undefined : res.body);
  };
}

export const acmeServerHandler = handlerModule('acme_server', { decode: decodeACMEServer, provision: (c: ACMEServerConfig, env: ProvisionEnv) => provisionACMEServer(c, env) });
