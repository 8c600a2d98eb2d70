// A Caddyfile adapted and served by the real engine on 127.0.0.1, for the expression tests.
import { adaptCaddyfile } from '../../../src/adapt/index.js';
import type { EngineLog } from '../../../src/core/log.js';
import { freePort, serve } from '../../support/net.js';

export interface Served {
  port: number;
  stop: () => Promise<void>;
}

/** Serves `body` (a site block's directives) at http://127.0.0.1:<port>. */
export async function serveSite(body: string, log?: EngineLog): Promise<Served> {
  const port = await freePort();
  const { config } = adaptCaddyfile(`{\n\tadmin off\n}\n\nhttp://127.0.0.1:${port} {\n${body}\n}\n`, 'Caddyfile', { env: {} });
  const apps = config['apps'] as { http: Record<string, unknown> };
  const { stop } = await serve(apps.http, log);
  return { port, stop };
}
