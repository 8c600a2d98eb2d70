/**
 * Talking to a running tsweb's admin API from the CLI (Caddy's
 * AdminAPIRequest and DetermineAdminAPIAddress): `stop` and `reload` send
 * their request to the address given, else the one in the config, else the
 * default. The request carries the Origin the endpoint expects, so it
 * passes the endpoint's own Origin check.
 */
import { request } from 'node:http';
import { goErrnoText } from '../go/errno.js';
import { isFdNetwork, isUnixNetwork, joinHostPort, parseNetworkAddress } from '../net/netaddr.js';

export interface AdminResponse {
  status: number;
  body: string;
}

/** Sends one request; a status of 400 or more is an error with the endpoint's answer in it. */
export function adminAPIRequest(adminAddr: string, method: string, uri: string, headers: Record<string, string>, body?: string): Promise<AdminResponse> {
  let na;
  try {
    na = parseNetworkAddress(adminAddr);
  } catch (err) {
    return Promise.reject(new Error(`invalid admin address ${adminAddr}: ${(err as Error).message}`));
  }
  if (na.endPort !== na.startPort) return Promise.reject(new Error(`invalid admin address ${adminAddr}: <nil>`));
  const unix = isUnixNetwork(na.network) || isFdNetwork(na.network);
  // The unix path may carry permission bits after `|`; they are not part of the path.
  const socketPath = unix ? na.host.split('|')[0]! : undefined;
  const hostport = unix ? '127.0.0.1' : joinHostPort(na.host.replace(/^\[|\]$/g, ''), String(na.startPort));
  const origin = `http://${hostport}`;
  const h: Record<string, string> = { Host: hostport };
  if (!unix) h.Origin = origin;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  Object.assign(h, headers);
  const url = `${origin}${uri}`;
  return new Promise((resolve, reject) => {
    const host = na.host.replace(/^\[|\]$/g, '') || 'localhost';
    const req = request({ method, path: uri, headers: h, ...(unix ? { socketPath } : { host, port: na.startPort }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status >= 400) reject(new Error(`tsweb responded with error: HTTP ${status}: ${text}`));
        else resolve({ status, body: text });
      });
      res.on('error', reject);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const dial = unix ? `dial unix ${socketPath}` : `dial tcp ${joinHostPort(host, String(na.startPort))}`;
      const why = goErrnoText(err.code) ?? err.message;
      reject(new Error(`performing request: ${method[0]}${method.slice(1).toLowerCase()} "${url}": ${dial}: ${why}`));
    });
    req.end(body);
  });
}

/** DetermineAdminAPIAddress: --address, else the config's admin.listen, else the default. */
export function determineAdminAddress(address: string, config: unknown, defaultAddr: string): string {
  if (address !== '') return address;
  const listen = (config as { admin?: { listen?: unknown } } | null | undefined)?.admin?.listen;
  if (typeof listen === 'string' && listen !== '') return listen;
  return defaultAddr;
}
