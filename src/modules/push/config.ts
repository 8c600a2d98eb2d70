/**
 * The `push` handler's JSON (Caddy's push.Handler): resources to push and
 * header operations (headers.HeaderOps) for the synthetic push requests.
 */
import { ObjectReader } from '../../core/decode.js';
import { decodeHeaderOps, type HeaderOpsConfig } from '../../core/header_ops.js';
import type { JSONObject } from '../../core/registry.js';

/** push.Resource: method GET (default) or HEAD, target a path (placeholders allowed). */
export interface PushResource {
  method?: string;
  target?: string;
}

export interface PushConfig {
  handler: 'push';
  resources?: PushResource[];
  headers?: HeaderOpsConfig;
}

export interface Push {
  resources: Array<{ method: string; target: string }>;
  headers: HeaderOpsConfig | undefined;
}

export function decodePush(json: JSONObject): Push {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const resources = r.list('resources', (v, path) => {
    const rr = ObjectReader.of(v, path, 'push.Resource');
    const out = { method: rr.str('method', ''), target: rr.str('target', '') };
    rr.done();
    return out;
  });
  const headers = decodeHeaderOps(r.raw('headers'), r.at('headers'));
  r.done();
  return { resources, headers };
}
