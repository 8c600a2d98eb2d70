import { registerGlobalOption } from '../registry.js';
import { parseOptDuration } from './_parsers.js';

/** `grace_period <duration>`, kept as nanoseconds like caddy.Duration. */
registerGlobalOption('grace_period', parseOptDuration);
