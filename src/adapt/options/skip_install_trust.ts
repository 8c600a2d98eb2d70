import { registerGlobalOption } from '../registry.js';
import { parseOptTrue } from './_parsers.js';

/** `skip_install_trust` (a flag). */
registerGlobalOption('skip_install_trust', parseOptTrue);
