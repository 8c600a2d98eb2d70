// Every app, in the order they start: http last, because its start is the
// switch to the new config (see core/app.ts).
import { registerApp } from '../core/app.js';
import { dormantApp } from './dormant.js';
import { httpAppModule } from './http/app.js';
import { tlsAppModule } from './tls/app.js';

registerApp(tlsAppModule);
registerApp(dormantApp('pki'));
registerApp(dormantApp('events'));
registerApp(httpAppModule);
