// An admin endpoint in-process, wired as `tsweb run` wires it: a Runtime whose
// load hook drives the AdminController, a ConfigManager, the Caddyfile adapter.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigManager } from '../../src/admin/config_manager.js';
import { AdminController } from '../../src/admin/controller.js';
import type { ConfigAdapter } from '../../src/admin/server.js';
import { adaptCaddyfile } from '../../src/adapt/index.js';
import { Runtime } from '../../src/runtime/runtime.js';

export interface Admin {
  runtime: Runtime;
  manager: ConfigManager;
  admin: AdminController;
  autosave: string;
  stops: number;
  /** http://127.0.0.1:<port> of the endpoint now. */
  url(): string;
  close(): Promise<void>;
}

const caddyfile: ConfigAdapter = (body) => {
  const { config, warnings } = adaptCaddyfile(body, 'Caddyfile', { env: {} });
  return { config, warnings };
};

/** Loads `config` (its admin should listen on 127.0.0.1:0) and returns the running endpoint. */
export async function startAdmin(config: unknown, env: NodeJS.ProcessEnv = {}): Promise<Admin> {
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-admin-'));
  let controller: AdminController | null = null;
  const runtime: Runtime = new Runtime({ env, onLoad: (c) => controller!.onLoad(c) });
  const autosave = join(dir, 'tsweb', 'autosave.json');
  const manager = new ConfigManager(runtime, { log: () => {}, autosaveFile: autosave });
  const out: Admin = {
    runtime,
    manager,
    admin: null as unknown as AdminController,
    autosave,
    stops: 0,
    url: () => `http://${controller!.address()}`,
    close: async () => {
      await runtime.stop();
      await controller!.close();
    },
  };
  controller = new AdminController({
    manager,
    adapters: new Map([['caddyfile', caddyfile]]),
    stop: async () => {
      out.stops++;
      await runtime.stop();
    },
    log: () => {},
    env,
  });
  out.admin = controller;
  await manager.load(config, true);
  return out;
}
