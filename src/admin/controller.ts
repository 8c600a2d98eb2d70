/**
 * The admin endpoint's life across loads (Caddy's replaceLocalAdminServer):
 * each config's top-level `admin` decides whether there is an endpoint, where
 * it listens and whom it lets in. Wired to the Runtime's onLoad hook, so it
 * takes part in the all-or-nothing load: a new address is bound before the
 * config's apps provision (a bind failure refuses the config, as in Caddy),
 * and the old endpoint closes only once the new config runs, after the
 * request that changed it got its answer. An unchanged address keeps its
 * socket and only takes the new rules.
 */
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { lookup } from 'node:dns/promises';
import { ObjectReader } from '../core/decode.js';
import type { JSONObject } from '../core/registry.js';
import { isUnixNetwork, joinHostPort } from '../net/netaddr.js';
import { type AdminAddress, allowedOrigins, defaultAdminListen, isWildcardInterface, originString, parseAdminListenAddr } from './address.js';
import { AdminServer, type AdminDeps, type Guard } from './server.js';

/** The parts of caddy.AdminConfig tsweb acts on. */
interface AdminConfig {
  disabled: boolean;
  listen: string;
  enforceOrigin: boolean;
  /** undefined: not set (the listen address is allowed); []: nothing is. */
  origins: string[] | undefined;
}

/** Decodes `admin` strictly; what tsweb cannot do yet is refused by name. */
export function decodeAdminConfig(json: unknown): AdminConfig {
  const r = ObjectReader.of(json, 'admin');
  const disabled = r.bool('disabled');
  const listen = r.str('listen', '');
  const enforceOrigin = r.bool('enforce_origin');
  const rawOrigins = r.raw('origins');
  const origins = rawOrigins === undefined || rawOrigins === null ? undefined : (r.strList('origins') ?? []);
  const cfg = r.obj('config');
  cfg.bool('persist');
  if (cfg.raw('load') !== undefined) throw new Error('admin.config.load: loading configs dynamically is not implemented in tsweb yet');
  cfg.ignore('load_delay');
  cfg.done();
  if (r.raw('identity') !== undefined) throw new Error('admin.identity: server identity management is not implemented in tsweb yet');
  if (r.raw('remote') !== undefined) throw new Error('admin.remote: remote administration is not implemented in tsweb yet');
  r.done();
  return { disabled, listen, enforceOrigin, origins };
}

/** Go's net error for a failed listen: `listen tcp 127.0.0.1:2019: bind: address already in use`. */
function listenError(network: string, shown: string, err: NodeJS.ErrnoException): Error {
  const words: Record<string, string> = { EADDRINUSE: 'bind: address already in use', EACCES: 'bind: permission denied', EADDRNOTAVAIL: 'bind: cannot assign requested address' };
  return new Error(`listen ${network} ${shown}: ${words[err.code ?? ''] ?? err.message}`);
}

interface Running {
  server: AdminServer;
  /** The address as configured: a reload naming the same one keeps the socket. */
  key: string;
  addr: AdminAddress;
}

export interface AdminControllerOptions extends AdminDeps {
  /** TSWEB_ADMIN (the default address) and {env.*} in `admin.listen`. */
  env: NodeJS.ProcessEnv;
}

export class AdminController {
  private running: Running | null = null;

  constructor(private readonly opts: AdminControllerOptions) {}

  /** The Runtime's onLoad hook. */
  readonly onLoad = async (config: JSONObject): Promise<(loaded: boolean) => void> => {
    const { log } = this.opts;
    const old = this.running;
    let admin: AdminConfig;
    try {
      admin = decodeAdminConfig(config.admin);
    } catch (err) {
      throw new Error(`decoding config: ${(err as Error).message}`, { cause: err });
    }
    if (admin.disabled) {
      return (loaded) => {
        if (!loaded) return;
        log('warn', 'admin', 'admin endpoint disabled');
        this.running = null;
        if (old !== null) void this.retire(old);
      };
    }
    const fail = (err: unknown): never => {
      throw new Error(`starting tsweb administration endpoint: ${(err as Error).message}`, { cause: err });
    };
    let addr: AdminAddress;
    try {
      addr = parseAdminListenAddr(admin.listen, defaultAdminListen(this.opts.env), this.opts.env);
    } catch (err) {
      return fail(err);
    }
    const key = `${addr.network}/${addr.text}`;
    if (old !== null && old.key === key) {
      return (loaded) => {
        if (!loaded) return;
        old.server.guard = this.guard(admin, addr, old.server);
        this.started(admin, addr, old.server.guard);
      };
    }
    const server = new AdminServer(this.opts, { enforceHost: false, enforceOrigin: false, origins: [] });
    try {
      await this.listen(server, addr);
    } catch (err) {
      return fail(err);
    }
    server.guard = this.guard(admin, addr, server);
    return (loaded) => {
      if (!loaded) {
        void server.close();
        return;
      }
      this.running = { server, key, addr };
      this.started(admin, addr, server.guard);
      if (old !== null) void this.retire(old);
    };
  };

  /** Where the endpoint listens now ("127.0.0.1:2019", "[::1]:2019", a socket path), or null. */
  address(): string | null {
    const a = this.running?.server.http.address();
    if (a === null || a === undefined) return null;
    if (typeof a === 'string') return a;
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  /** Closes the endpoint (the process is exiting); a request in flight still gets its answer. */
  async close(): Promise<void> {
    const r = this.running;
    this.running = null;
    if (r !== null) await r.server.close();
  }

  private guard(admin: AdminConfig, addr: AdminAddress, server: AdminServer): Guard {
    const bound = server.http.address();
    const port = typeof bound === 'object' && bound !== null ? (bound as AddressInfo).port : addr.startPort;
    const unix = isUnixNetwork(addr.network);
    return {
      // Unix sockets have file permissions and no DNS; a wildcard address has no one name to check.
      enforceHost: !isWildcardInterface(addr) && !unix,
      enforceOrigin: admin.enforceOrigin,
      origins: allowedOrigins(admin.origins, addr, port),
    };
  }

  private started(admin: AdminConfig, addr: AdminAddress, guard: Guard): void {
    const { log } = this.opts;
    log('info', 'admin', 'admin endpoint started', { address: this.address() ?? addr.text, enforce_origin: admin.enforceOrigin, origins: guard.origins.map(originString) });
    if (!guard.enforceHost) log('warn', 'admin', 'admin endpoint on open interface; host checking disabled', { address: addr.text });
  }

  private async listen(server: AdminServer, addr: AdminAddress): Promise<void> {
    const http = server.http;
    if (isUnixNetwork(addr.network)) {
      // A socket file left by a previous run would make the bind fail.
      if (existsSync(addr.host) && lstatSync(addr.host).isSocket()) unlinkSync(addr.host);
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(addr.host, () => {
          http.off('error', reject);
          resolve();
        });
      }).catch((err: NodeJS.ErrnoException) => {
        throw listenError(addr.network, addr.host, err);
      });
      return;
    }
    let host = addr.host.replace(/^\[|\]$/g, '');
    if (host !== '' && !/^[\d.]+$/.test(host) && !host.includes(':')) {
      // Go listens on the first IPv4 address a name resolves to (localhost → 127.0.0.1).
      const all = await lookup(host, { all: true }).catch(() => []);
      host = (all.find((a) => a.family === 4) ?? all[0])?.address ?? host;
    }
    const ipv6Only = addr.network === 'tcp6';
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      const opts = host === '' ? { port: addr.startPort, ipv6Only, host: addr.network === 'tcp4' ? '0.0.0.0' : undefined } : { port: addr.startPort, host, ipv6Only };
      http.listen(opts, () => {
        http.off('error', reject);
        resolve();
      });
    }).catch((err: NodeJS.ErrnoException) => {
      throw listenError(addr.network, joinHostPort(host, String(addr.startPort)), err);
    });
  }

  private async retire(r: Running): Promise<void> {
    await r.server.close();
    this.opts.log('info', 'admin', 'stopped previous server', { address: r.addr.text });
  }
}
