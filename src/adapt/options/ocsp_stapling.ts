import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';

/** The `ocsp_stapling` option's value (certmagic.OCSPConfig). */
export interface OCSPConfig {
  disable_stapling: boolean;
  responder_overrides?: Record<string, string>;
}

/** `ocsp_stapling off`: no OCSP stapling (for managed and manually loaded certificates). */
registerGlobalOption('ocsp_stapling', (d: Dispenser): OCSPConfig => {
  d.next();
  const a = d.allArgs(1);
  if (!a) throw d.argErr();
  if (a[0] !== 'off') throw d.err(`invalid argument '${a[0]}'`);
  return { disable_stapling: true };
});
