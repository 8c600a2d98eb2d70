import { registerGlobalOption } from '../registry.js';
import { parseOptTrue } from './_parsers.js';

/** `debug`: the default logger logs at DEBUG level. */
registerGlobalOption('debug', parseOptTrue);
