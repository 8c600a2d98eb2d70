import { registerGlobalOption } from '../registry.js';
import { parseOptDuration } from './_parsers.js';

/** `ocsp_interval <duration>`, kept as nanoseconds like caddy.Duration. */
registerGlobalOption('ocsp_interval', parseOptDuration);
