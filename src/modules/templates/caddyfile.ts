/**
 * templates [<matcher>] {
 *     mime    <types...>
 *     between <open_delim> <close_delim>
 *     root    <path>
 *     extensions { <module> ... }
 * }
 */
import { handlerDirective } from '../../adapt/registry.js';
import type { JSONObject } from '../../adapt/types.js';

export const templatesDirective = handlerDirective('templates', (h) => {
  h.next(); // directive name
  let mime: string[] | undefined;
  let delimiters: string[] | undefined;
  let root: string | undefined;
  while (h.nextBlock(0)) {
    switch (h.val()) {
      case 'mime':
        mime = h.remainingArgs();
        if (mime.length === 0) throw h.argErr();
        break;
      case 'between':
        delimiters = h.remainingArgs();
        if (delimiters.length !== 2) throw h.argErr();
        break;
      case 'root': {
        const a = h.args(1);
        if (!a) throw h.argErr();
        root = a[0];
        break;
      }
      case 'extensions': {
        if (h.nextArg()) throw h.argErr();
        // Template function extensions are plugins; none are built in.
        for (const n = h.getNesting(); h.nextBlock(n); ) {
          const id = `http.handlers.templates.functions.${h.val()}`;
          throw h.err(`getting module named '${id}': module not registered: ${id}`);
        }
        break;
      }
      default:
        // Caddy ignores unknown subdirectives here; say so instead of staying silent.
        h.warn(`templates: unrecognized subdirective '${h.val()}' is ignored`);
        h.remainingArgs();
    }
  }
  const out: JSONObject = { handler: 'templates' };
  if (root !== undefined) out.file_root = root;
  if (mime) out.mime_types = mime;
  if (delimiters) out.delimiters = delimiters;
  return out as { handler: string };
});
