import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';

const MODES = new Set(['off', 'disable_redirects', 'disable_certs', 'ignore_loaded_certs', 'prefer_wildcard']);

/**
 * `auto_https off|disable_redirects|disable_certs|ignore_loaded_certs|prefer_wildcard...`:
 * the value is the list of modes given.
 */
registerGlobalOption('auto_https', (d: Dispenser) => {
  d.next();
  const vals = d.remainingArgs();
  if (vals.length === 0) throw d.argErr();
  for (const v of vals) {
    if (!MODES.has(v)) {
      throw d.err(
        "auto_https must be one of 'off', 'disable_redirects', 'disable_certs', 'ignore_loaded_certs', or 'prefer_wildcard'",
      );
    }
  }
  return vals;
});
