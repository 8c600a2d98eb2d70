/**
 * cache-handler's admin routes (Souin's API, admin.api.souin) over the
 * `cache` handlers' stores (src/modules/cache/stores.ts), on every worker:
 *
 *   GET   /souin-api/souin            every stored key, a JSON array
 *   GET   /souin-api/souin/<regexp>   the keys it matches (404 and [] if none)
 *   PURGE /souin-api/souin/<regexp>   drops the keys it matches
 *   PURGE /souin-api/souin/flush      drops every key
 *   PURGE /souin-api/souin            with `Surrogate-Key: a, b`: drops every
 *                                     response tagged (by its own Surrogate-Key
 *                                     header) with any of them
 *
 * The regexp is RE2, unanchored as Souin's: `^GET-https-example.com-/blog`
 * purges a prefix, `^…$` one key. Souin answers a purge 204 with no body;
 * tsweb answers 200 with the keys it purged (2xx either way, so scripts
 * written for Souin keep working), [] when none matched.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EngineLog } from '../core/log.js';
import { surrogateTags } from '../modules/cache/store.js';
import { checkPattern, serverCacheKeys } from '../modules/cache/stores.js';
import { APIError } from './api_error.js';

export const SOUIN_BASE = '/souin-api/souin';

/** Whether the (cleaned) admin path is one of these routes. */
export function isSouinPath(path: string): boolean {
  return path === SOUIN_BASE || path.startsWith(`${SOUIN_BASE}/`);
}

export async function handleSouin(req: IncomingMessage, res: ServerResponse, target: string, log: EngineLog): Promise<void> {
  const method = req.method ?? '';
  if (method !== 'GET' && method !== 'PURGE') throw new APIError(405, `method not allowed: ${method}`);
  // Souin reads the regexp from the request URI, query included (a key's `?` is part of it).
  const raw = target.slice(target.indexOf(SOUIN_BASE) + SOUIN_BASE.length + 1);
  let pattern: string | null;
  try {
    pattern = raw === '' ? null : decodeURIComponent(raw);
  } catch {
    pattern = raw;
  }
  let tags: string[] | undefined;
  if (method === 'PURGE') {
    if (pattern === null) {
      tags = surrogateTags(req.headers['surrogate-key']);
      if (tags.length === 0) throw new APIError(400, 'PURGE /souin-api/souin needs a Surrogate-Key header naming the tags to purge; or PURGE /souin-api/souin/<regexp> or /souin-api/souin/flush');
    } else if (pattern === 'flush') {
      pattern = null;
    }
  }
  if (pattern !== null) {
    try {
      checkPattern(pattern);
    } catch (err) {
      throw new APIError(400, (err as Error).message);
    }
  }
  const keys = await serverCacheKeys(tags === undefined ? { pattern, purge: method === 'PURGE' } : { pattern: null, purge: true, tags });
  if (method === 'PURGE') log('info', 'admin.api', 'purged cache keys', tags === undefined ? { pattern: pattern ?? '.*', count: keys.length } : { surrogate_keys: tags, count: keys.length });
  res.setHeader('Content-Type', 'application/json');
  res.writeHead(method === 'GET' && pattern !== null && keys.length === 0 ? 404 : 200);
  res.end(`${JSON.stringify(keys)}\n`);
}
