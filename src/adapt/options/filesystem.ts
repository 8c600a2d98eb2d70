import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';
import { genericModule } from '../tls/modules.js';
import type { JSONObject } from '../types.js';

/**
 * `filesystem <name> <module> { ... }`: a named file system the `fs`
 * directive can refer to. The value is the "caddy.filesystems" app config.
 */
registerGlobalOption('filesystem', (d: Dispenser, existing: unknown) => {
  const list: JSONObject[] = [...(((existing as JSONObject | undefined)?.filesystems as JSONObject[]) ?? [])];
  d.next();
  if (!d.nextArg()) throw d.argErr();
  const name = d.val();
  if (!d.nextArg()) throw d.argErr();
  const backend = d.val();
  const fsConfig = genericModule(d.newFromNextSegment());
  list.push({ name, file_system: { backend, ...fsConfig } });
  return { filesystems: list };
});
