import { registerGlobalOption } from '../registry.js';
import { parseOptSingleString } from './_parsers.js';

/** `email <value>`. */
registerGlobalOption('email', parseOptSingleString);
