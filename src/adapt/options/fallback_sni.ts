import { registerGlobalOption } from '../registry.js';
import { parseOptSingleString } from './_parsers.js';

/** `fallback_sni <value>`. */
registerGlobalOption('fallback_sni', parseOptSingleString);
