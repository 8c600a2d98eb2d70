import { registerGlobalOption } from '../registry.js';
import { parseOptSingleString } from './_parsers.js';

/** `default_sni <value>`. */
registerGlobalOption('default_sni', parseOptSingleString);
