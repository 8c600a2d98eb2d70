/**
 * Caddy's unsyncedConfigAccess (admin.go): GET, POST, PUT, PATCH and DELETE
 * at a path into the config, with Caddy's rules and error texts:
 *
 *   - the path's first segment is `config` (the root holds `{config: ...}`);
 *   - array elements by canonical index (`0`, not `00`);
 *   - POST to an array appends, elsewhere sets or creates; a trailing `...`
 *     expands the body (an array) into the destination array;
 *   - PUT inserts into an array at the index, or creates a key and fails
 *     (409) if it exists, making missing parent objects on the way;
 *   - PATCH replaces and fails (404) if missing; DELETE removes.
 *
 * It mutates `root` in place: the caller works on a copy.
 */
import { isObject } from '../go/json.js';
import { APIError } from './api_error.js';
import { goEncode, goUnmarshal } from './go_json.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Where the config sits, as Caddy's rawCfg map. */
export type ConfigRoot = { config: unknown };

function canonicalIndex(idx: string): number {
  if (idx === '') throw new Error('empty index');
  // strconv.Atoi: optional sign, decimal digits.
  if (!/^[+-]?\d+$/.test(idx)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(idx)}: invalid syntax`);
  const i = Number(idx);
  if (String(i) !== idx) throw new Error('non-canonical array index');
  return i;
}

/** Returns the JSON encoding for GET (with Go's trailing newline); '' otherwise. */
export function configAccess(root: ConfigRoot, method: Method, path: string, body: string | undefined): string {
  let val: unknown = null;
  if (body !== undefined && body.length > 0) {
    try {
      val = goUnmarshal(body);
    } catch (err) {
      throw new Error(`decoding request body: ${(err as Error).message}`);
    }
  }

  const cleanPath = path.replace(/^\/+|\/+$/g, '');
  if (cleanPath === '') throw new Error('no traversable path');
  let parts = cleanPath.split('/');
  const ellipses = parts[parts.length - 1] === '...';
  if (ellipses) parts = parts.slice(0, -1);

  const appended = (arr: unknown[]): unknown[] => {
    if (!ellipses) return [...arr, val];
    if (!Array.isArray(val)) throw new Error('final element is not an array');
    return [...arr, ...val];
  };

  let ptr: unknown = root;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (isObject(ptr)) {
      const v = ptr;
      const arr = v[part];
      // The destination is an element of the array under `part`.
      if (Array.isArray(arr) && i === parts.length - 2) {
        let idx = 0;
        if (method !== 'POST') {
          const idxStr = parts[parts.length - 1]!;
          try {
            idx = canonicalIndex(idxStr);
          } catch (err) {
            throw new Error(`[${path}] invalid array index '${idxStr}': ${(err as Error).message}`);
          }
          if (idx < 0 || (method !== 'PUT' && idx >= arr.length) || idx > arr.length) {
            throw new Error(`[${path}] array index out of bounds: ${idxStr}`);
          }
        }
        switch (method) {
          case 'GET':
            return goEncode(arr[idx]);
          case 'POST':
            v[part] = appended(arr);
            break;
          case 'PUT':
            arr.splice(idx, 0, val);
            break;
          case 'PATCH':
            arr[idx] = val;
            break;
          case 'DELETE':
            arr.splice(idx, 1);
            break;
        }
        return '';
      }
      if (i === parts.length - 1) {
        const has = Object.hasOwn(v, part);
        switch (method) {
          case 'GET':
            return goEncode(has ? v[part] : null);
          case 'POST':
            v[part] = Array.isArray(arr) ? appended(arr) : val;
            break;
          case 'PUT':
            if (has) throw new APIError(409, `[${path}] key already exists: ${part}`);
            v[part] = val;
            break;
          case 'PATCH':
            if (!has) throw new APIError(404, `[${path}] key does not exist: ${part}`);
            v[part] = val;
            break;
          case 'DELETE':
            if (!has) throw new APIError(404, `[${path}] key does not exist: ${part}`);
            delete v[part];
            break;
        }
        return '';
      }
      // PUT may create the objects on its way.
      if ((v[part] === undefined || v[part] === null) && method === 'PUT') v[part] = {};
      ptr = v[part];
    } else if (Array.isArray(ptr)) {
      let idx: number;
      try {
        idx = canonicalIndex(part);
      } catch (err) {
        throw new Error(`[/${parts.slice(0, i + 1).join('/')}] invalid array index '${part}': ${(err as Error).message}`);
      }
      if (idx < 0 || idx >= ptr.length) throw new Error(`[/${parts.slice(0, i + 1).join('/')}] array index out of bounds: ${part}`);
      ptr = ptr[idx];
    } else {
      throw new Error(`invalid traversal path at: ${parts.slice(0, i + 1).join('/')}`);
    }
  }
  return '';
}
