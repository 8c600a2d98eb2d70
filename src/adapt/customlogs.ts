/**
 * The top-level `logging.logs` from the global `log` options and the sites'
 * `log` directives (Caddy's Setup, "extract any custom logs").
 */
import { sortStrings } from '../go/sort.js';
import { orderCustomLog } from './logging/parselog.js';
import type { NamedCustomLog } from './pairing.js';
import type { JSONObject } from './types.js';

const DEFAULT_LOGGER = 'default';

/**
 * Returns `{logs: {...}}` or undefined. With `debug`, every logger without a
 * level gets DEBUG (and the default logger is configured if no one did).
 * Access logs written elsewhere are excluded from the default logger, since
 * users rarely want them twice.
 */
export function buildLogging(globalLogs: NamedCustomLog[], siteLogs: NamedCustomLog[], debug: boolean): JSONObject | undefined {
  const custom: NamedCustomLog[] = [];
  let hasDefault = false;
  const add = (ncl: NamedCustomLog) => {
    if (ncl.name === '') return;
    if (ncl.name === DEFAULT_LOGGER) hasDefault = true;
    let log = ncl.log;
    if (debug && log && !log['level']) log = orderCustomLog({ ...log, level: 'DEBUG' });
    custom.push({ ...ncl, log });
  };
  for (const l of globalLogs) add(l);
  if (!hasDefault && debug) custom.push({ name: DEFAULT_LOGGER, hostnames: [], log: { level: 'DEBUG' }, noHostname: false });
  for (const l of siteLogs) add(l);
  if (custom.length === 0) return undefined;

  const logs: Record<string, JSONObject> = {};
  // the default logger first, so the exclusions below extend it instead of replacing it
  const def = custom.find((c) => c.name === DEFAULT_LOGGER && c.log);
  if (def) logs[DEFAULT_LOGGER] = { ...def.log! };
  for (const ncl of custom) {
    if (!ncl.log || ncl.name === DEFAULT_LOGGER) continue;
    logs[ncl.name] = ncl.log as JSONObject;
    const include = ncl.log['include'] as string[] | undefined;
    if (include?.length) {
      const d = (logs[DEFAULT_LOGGER] ??= {});
      d['exclude'] = [...new Set(sortStrings([...((d['exclude'] as string[] | undefined) ?? []), ...include]))];
      logs[DEFAULT_LOGGER] = orderCustomLog(d);
    }
  }
  const names = sortStrings(Object.keys(logs));
  if (names.length === 0) return undefined;
  // Go marshals the map with sorted keys
  return { logs: Object.fromEntries(names.map((n) => [n, logs[n]!])) };
}
