/**
 * The `templates` handler's JSON (Caddy's templates.Templates): file_root,
 * mime_types, delimiters, and `match` (the extensions' module map, under the
 * JSON key Caddy gives it).
 */
import { ObjectReader } from '../../core/decode.js';
import type { JSONObject } from '../../core/registry.js';

export interface TemplatesConfig {
  /** Placeholders allowed; default {http.vars.root}, "." when that is empty. */
  fileRoot: string;
  mimeTypes: string[];
  delimiters: [string, string] | null;
}

/** Caddy's defaultMIMETypes. */
export const DEFAULT_MIME_TYPES = ['text/html', 'text/plain', 'text/markdown'];

export function decodeTemplates(json: JSONObject): TemplatesConfig {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const fileRoot = r.str('file_root', '') || '{http.vars.root}';
  const listed = r.strList('mime_types');
  // Go's nil check: an absent list gets the defaults, an empty one templates nothing.
  const mimeTypes = json.mime_types === undefined || json.mime_types === null ? DEFAULT_MIME_TYPES : listed;
  const delims = r.strList('delimiters');
  const ext = r.raw('match');
  if (ext !== undefined && ext !== null && typeof ext === 'object') {
    for (const name of Object.keys(ext)) {
      const id = `http.handlers.templates.functions.${name}`;
      throw new Error(`loading template extensions: module not registered: ${id}`);
    }
  }
  r.done();
  if (delims.length !== 0 && delims.length !== 2) throw new Error('delimiters must consist of exactly two elements: opening and closing');
  return { fileRoot, mimeTypes, delimiters: delims.length === 2 ? [delims[0]!, delims[1]!] : null };
}
