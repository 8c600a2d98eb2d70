/**
 * Where the last config loaded is kept (Caddy's ConfigAutosavePath, under
 * tsweb's own directory): `$XDG_CONFIG_HOME/tsweb/autosave.json`, else the
 * platform's user config directory, as Go's os.UserConfigDir finds it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { appConfigDir, appDataDir } from '../go/userdirs.js';

export { appConfigDir, appDataDir };

export function autosavePath(env: NodeJS.ProcessEnv): string {
  return join(appConfigDir(env), 'autosave.json');
}

/** Writes the config as loaded: folder 0700, file 0600, as Caddy does. */
export function writeAutosave(file: string, json: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, json, { mode: 0o600 });
}
