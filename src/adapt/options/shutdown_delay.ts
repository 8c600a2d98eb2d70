import { registerGlobalOption } from '../registry.js';
import { parseOptDuration } from './_parsers.js';

/** `shutdown_delay <duration>`, kept as nanoseconds like caddy.Duration. */
registerGlobalOption('shutdown_delay', parseOptDuration);
