/**
 * The `file_server` handler's JSON (Caddy's fileserver.FileServer) and the
 * `file` matcher's (fileserver.MatchFile), as the `file_server` and
 * `try_files` directives and the `file` matcher syntax write them, and
 * their decoders. Both take the fields of Caddy 2.6 and of current Caddy.
 */
import { ObjectReader } from '../../core/decode.js';
import type { JSONObject } from '../../core/registry.js';
import type { Replacer } from '../../core/replacer.js';
import { compileStatus } from '../../core/status.js';
import { type BrowseConfig, DEFAULT_FILE_LIMIT } from './browse.js';
import { precompressors } from './encodings.js';
import { sortKeys } from './listing.js';

/** fileserver.Browse. */
export interface BrowseJSON {
  /** A Go text/template file for the HTML listing, read on every listing as Caddy does. */
  template_file?: string;
  reveal_symlinks?: boolean;
  /** `[<by>[, asc|desc]]`. */
  sort?: string[];
  file_limit?: number;
}

export interface FileServerConfig {
  handler: 'file_server';
  /** A file system by name (current Caddy); tsweb serves the local disk only. */
  fs?: string;
  root?: string;
  hide?: string[];
  index_names?: string[];
  browse?: BrowseJSON;
  canonical_uris?: boolean;
  /** A WeakString: a number or a string (placeholders allowed). */
  status_code?: number | string;
  pass_thru?: boolean;
  /** Encoder name → its (empty) module config: br, gzip, zstd. */
  precompressed?: Record<string, Record<string, never>>;
  precompressed_order?: string[];
  etag_file_extensions?: string[];
}

export interface FileServer {
  /** Placeholders allowed; '' → {http.vars.root}. */
  root: string;
  hide: string[];
  indexNames: string[];
  browse: BrowseConfig | null;
  canonical: boolean;
  passThru: boolean;
  status: ((repl: Replacer) => number) | null;
  /** Offered encodings: name → sidecar suffix. */
  precompressed: Map<string, string>;
  precompressedOrder: string[];
  etagExts: string[];
}

/** Caddy's default file system: unset, or the placeholder that names none. */
const localFS = (fs: string): boolean => fs === '' || fs === '{http.vars.fs}';

function decodeBrowse(r: ObjectReader): BrowseConfig | null {
  const raw = r.raw('browse');
  if (raw === undefined || raw === null) return null;
  const b = r.obj('browse', 'fileserver.Browse');
  const templateFile = b.str('template_file', '');
  const revealSymlinks = b.bool('reveal_symlinks');
  const sort = b.strList('sort');
  if (sort.length > 2) throw new Error(`only max 2 sort options are allowed, but got ${sort.length}`);
  if (sort[0] !== undefined && !(sortKeys as readonly string[]).includes(sort[0])) {
    throw new Error(`the first option must be one of the following: ${sortKeys.join(', ')}, but got ${sort[0]}`);
  }
  if (sort[1] !== undefined && sort[1] !== 'asc' && sort[1] !== 'desc') {
    throw new Error(`the second option must be one of the following: asc, desc, but got ${sort[1]}`);
  }
  const limit = b.int('file_limit', 0);
  if (limit < 0) throw new Error('browse.file_limit: must be a non-negative integer');
  b.done();
  return { revealSymlinks, sortBy: sort[0] ?? 'namedirfirst', order: sort[1] ?? 'asc', fileLimit: limit > 0 ? limit : DEFAULT_FILE_LIMIT, templateFile: templateFile === '' ? null : templateFile };
}

function decodePrecompressed(r: ObjectReader): Map<string, string> {
  const offered = new Map<string, string>();
  const p = r.obj('precompressed', 'caddy.ModuleMap');
  for (const name of Object.keys(p.json)) {
    if (name === '@id') continue;
    const suffix = Object.hasOwn(precompressors, name) ? precompressors[name] : undefined;
    if (suffix === undefined) throw new Error(`loading encoder modules: unknown module: http.precompressed.${name}`);
    // Caddy's precompressed modules have no fields.
    p.obj(name).done();
    offered.set(name, suffix);
  }
  return offered;
}

export function decodeFileServer(json: JSONObject): FileServer {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const fs = r.str('fs', '');
  if (!localFS(fs)) throw new Error(`fs: file system '${fs}' is not available in tsweb (only the local disk)`);
  // Caddy 2.6's inline file system module; tsweb has always accepted it and served the local disk.
  r.ignore('file_system');
  const root = r.str('root', '');
  const hide = r.strList('hide');
  const indexRaw = r.raw('index_names');
  const indexNames = indexRaw === undefined ? ['index.html', 'index.txt'] : r.strList('index_names');
  const browse = decodeBrowse(r);
  const canonicalRaw = r.raw('canonical_uris');
  const canonical = canonicalRaw === undefined || canonicalRaw === null ? true : r.bool('canonical_uris');
  const status = compileStatus(r.raw('status_code'), 'status_code');
  const passThru = r.bool('pass_thru');
  const precompressed = decodePrecompressed(r);
  const precompressedOrder = r.strList('precompressed_order');
  const etagExts = r.strList('etag_file_extensions');
  r.done();
  return { root, hide, indexNames, browse, canonical, passThru, status, precompressed, precompressedOrder, etagExts };
}

/** fileserver.MatchFile: the `file` matcher. */
export interface FileMatcherConfig {
  /** A file system by name (current Caddy); tsweb looks on the local disk only. */
  fs?: string;
  root?: string;
  try_files?: string[];
  /** first_exist (default), first_exist_fallback, smallest_size, largest_size, most_recently_modified. */
  try_policy?: string;
  split_path?: string[];
}

export type TryPolicy = '' | 'first_exist' | 'first_exist_fallback' | 'smallest_size' | 'largest_size' | 'most_recently_modified';

export interface FileMatcher {
  /** Placeholders allowed; '' → {http.vars.root}. */
  root: string;
  /** Absent: the request path. */
  tryFiles: string[];
  policy: TryPolicy;
  splitPath: string[];
}

const POLICIES: readonly string[] = ['', 'first_exist', 'first_exist_fallback', 'smallest_size', 'largest_size', 'most_recently_modified'];

export function decodeFileMatcher(json: unknown): FileMatcher {
  const r = ObjectReader.of(json, '', 'fileserver.MatchFile');
  const policy = r.str('try_policy', '');
  if (!POLICIES.includes(policy)) throw new Error(`unknown try policy ${policy}`);
  const fs = r.str('fs', '');
  if (!localFS(fs)) throw new Error(`file systems other than the local disk are not supported by tsweb (fs: ${fs})`);
  // Caddy 2.6's inline file system module; tsweb has always accepted it and looked on the local disk.
  r.ignore('file_system');
  const root = r.str('root', '');
  const tryRaw = r.raw('try_files');
  const tryFiles = tryRaw === undefined || tryRaw === null ? ['{http.request.uri.path}'] : r.strList('try_files');
  const splitPath = r.strList('split_path');
  r.done();
  return { root, tryFiles, policy: policy as TryPolicy, splitPath };
}
