/**
 * Where tsweb keeps certificates, keys and its CA when the config names no
 * storage: caddy.AppDataDir with tsweb's name — `$XDG_DATA_HOME/tsweb`, else
 * `~/.local/share/tsweb` (macOS `~/Library/Application Support/tsweb`,
 * Windows `%AppData%/tsweb`), else `./tsweb`. Copying a Caddy data directory
 * (`~/.local/share/caddy`) there carries its certificates, accounts and CA over.
 */
import { appDataDir } from '../go/userdirs.js';
import { isObject, type JSONObject } from '../go/json.js';
import { FileStorage, type FileStorageOptions } from './file_storage.js';
import type { Storage } from './storage.js';

export function dataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  return appDataDir(env, platform);
}

/**
 * The storage a config's top-level `storage` (or a CA's) describes: absent →
 * files under dataDir(); `{"module": "file_system", "root": DIR}` (the
 * Caddyfile's `storage file_system { root DIR }`) → files under DIR.
 */
export function storageFromConfig(json: unknown, env: NodeJS.ProcessEnv = process.env, opts?: FileStorageOptions): Storage {
  if (json === undefined || json === null) return new FileStorage(dataDir(env), opts);
  if (!isObject(json)) throw new Error('storage: expected a JSON object');
  const cfg: JSONObject = json;
  const module = cfg.module;
  if (module !== 'file_system') throw new Error(`storage: unknown module: caddy.storage.${String(module)}`);
  for (const k of Object.keys(cfg)) {
    if (k !== 'module' && k !== 'root') throw new Error(`storage: json: unknown field "${k}"`);
  }
  if (cfg.root !== undefined && typeof cfg.root !== 'string') throw new Error('storage: root: expected a string');
  // Caddy's file_system with no root is certmagic's FileStorage{Path: ""}: the working directory.
  return new FileStorage(typeof cfg.root === 'string' && cfg.root !== '' ? cfg.root : '.', opts);
}
