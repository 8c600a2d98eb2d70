import { registerGlobalOption } from '../registry.js';
import { parseOptDuration } from './_parsers.js';

/** `renew_interval <duration>`, kept as nanoseconds like caddy.Duration. */
registerGlobalOption('renew_interval', parseOptDuration);
