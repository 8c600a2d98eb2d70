import { registerGlobalOption } from '../registry.js';
import { parseOptPort } from './_parsers.js';

/** `https_port <port>`: the port for HTTPS. */
registerGlobalOption('https_port', parseOptPort);
