import { registerGlobalOption } from '../registry.js';
import { parseOptSingleString } from './_parsers.js';

/** `acme_ca_root <value>`. */
registerGlobalOption('acme_ca_root', parseOptSingleString);
