import { registerGlobalOption } from '../registry.js';
import { parseOptTrue } from './_parsers.js';

/** `local_certs` (a flag). */
registerGlobalOption('local_certs', parseOptTrue);
