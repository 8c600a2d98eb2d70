/**
 * Where the last config loaded is kept (Caddy's ConfigAutosavePath, under
 * tsweb's own directory): `$XDG_CONFIG_HOME/tsweb/autosave.json`, else the
 * platform's user config directory, as Go's os.UserConfigDir finds it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function platformDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, unixSub: string[]): string {
  const home = env.HOME ?? '';
  switch (platform) {
    case 'win32':
      return env.AppData ? join(env.AppData, 'tsweb') : './tsweb';
    case 'darwin':
      return home ? join(home, 'Library', 'Application Support', 'tsweb') : './tsweb';
    default:
      return home ? join(home, ...unixSub, 'tsweb') : './tsweb';
  }
}

/** caddy.AppConfigDir with tsweb's name. */
export function appConfigDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'tsweb');
  return platformDir(env, platform, ['.config']);
}

/** caddy.AppDataDir with tsweb's name. */
export function appDataDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  if (env.XDG_DATA_HOME) return join(env.XDG_DATA_HOME, 'tsweb');
  return platformDir(env, platform, ['.local', 'share']);
}

export function autosavePath(env: NodeJS.ProcessEnv): string {
  return join(appConfigDir(env), 'autosave.json');
}

/** Writes the config as loaded: folder 0700, file 0600, as Caddy does. */
export function writeAutosave(file: string, json: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, json, { mode: 0o600 });
}
