import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';
import '../tls/managers.js';
import { unmarshalModule } from '../tls/modules.js';
import { moduleObject } from '../../go/json.js';

/**
 * `storage <module> { ... }`: where certificates and other assets live. The
 * value is the config's top-level "storage" object, e.g.
 * `{"module": "file_system", "root": "/data"}`.
 */
registerGlobalOption('storage', (d: Dispenser) => {
  d.next();
  if (!d.nextArg()) throw d.argErr();
  const name = d.val();
  return moduleObject(unmarshalModule(d, `caddy.storage.${name}`), 'module', name);
});
