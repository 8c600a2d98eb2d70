import { registerGlobalOption } from '../registry.js';
import { parseOptSingleString } from './_parsers.js';

/** `acme_ca <value>`. */
registerGlobalOption('acme_ca', parseOptSingleString);
