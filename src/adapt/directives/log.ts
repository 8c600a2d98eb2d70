import type { Helper } from '../helper.js';
import { parseLogHelper } from '../logging/parselog.js';
import { registerDirective } from '../registry.js';
import { adaptationState } from '../tls/adaptstate.js';
import type { ConfigValue } from '../types.js';

/**
 * The `log` directive: enables access logging for the site. Syntax:
 *
 *     log [<logger_name>] {
 *         hostnames <hostnames...>
 *         no_hostname
 *         output <writer_module> ...
 *         core   <core_module> ...
 *         format <encoder_module> ...
 *         level  <level>
 *         sampling { ... }
 *     }
 *
 * Produces one 'custom_log' value (a NamedCustomLog); unnamed loggers with
 * any configuration are named log0, log1, ... across the whole Caddyfile.
 */
export function parseLog(h: Helper): ConfigValue[] {
  h.next();
  const state = adaptationState(h.shared);
  return parseLogHelper(h, { nextLogName: () => `log${state.logCounter++}` });
}

registerDirective('log', parseLog);
