import type { Dispenser } from '../../caddyfile/dispenser.js';
import { parseLogHelper } from '../logging/parselog.js';
import type { NamedCustomLog } from '../pairing.js';
import { registerGlobalOption } from '../registry.js';
import type { ConfigValue } from '../types.js';

/**
 * Syntax (may repeat, once per logger name):
 *
 *     log [<name>] {
 *         output  <writer_module> ...
 *         format  <encoder_module> ...
 *         level   <level>
 *         include <namespaces...>
 *         exclude <namespaces...>
 *         sampling { ... }
 *     }
 *
 * Without a name it configures the default logger. The value is the list of
 * 'custom_log' config values (NamedCustomLog) from every `log` option so far.
 */
registerGlobalOption('log', (d: Dispenser, existing: unknown) => {
  const prior = Array.isArray(existing) ? (existing as ConfigValue[]) : [];
  const names = new Set(prior.map((v) => (v.value as NamedCustomLog).name));
  d.next();
  return [...prior, ...parseLogHelper(d, { globalNames: names })];
});
