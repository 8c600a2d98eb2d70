import { registerGlobalOption } from '../registry.js';
import { parseOptPort } from './_parsers.js';

/** `http_port <port>`: the port for HTTP (and HTTP->HTTPS redirects). */
registerGlobalOption('http_port', parseOptPort);
