import { registerGlobalOption } from '../registry.js';
import { parseOptSingleString } from './_parsers.js';

/** `key_type <value>`. */
registerGlobalOption('key_type', parseOptSingleString);
