/**
 * caddy.AppConfigDir / AppDataDir with tsweb's name: the XDG variable when
 * set, else the platform's user directory as Go's os.UserConfigDir finds it
 * (`~/.config`, `~/.local/share`; macOS `~/Library/Application Support`;
 * Windows `%AppData%`), else `./tsweb`.
 */
import { join } from 'node:path';

function platformDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, unixSub: readonly string[]): string {
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

export function appConfigDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'tsweb');
  return platformDir(env, platform, ['.config']);
}

export function appDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.XDG_DATA_HOME) return join(env.XDG_DATA_HOME, 'tsweb');
  return platformDir(env, platform, ['.local', 'share']);
}
