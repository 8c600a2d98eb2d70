import { registerGlobalOption } from '../registry.js';
import { parseOptDuration } from './_parsers.js';

/** `cert_lifetime <duration>`, kept as nanoseconds like caddy.Duration. */
registerGlobalOption('cert_lifetime', parseOptDuration);
