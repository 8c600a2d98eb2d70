/**
 * The disk store's JSON, as cache-handler's storers are written: a provider
 * object `{ "path": …, "configuration": { … } }` under `simplefs`, `badger`
 * or `nuts`. All three map to tsweb's own disk store at that path (its own
 * file format, not badger's or nuts'). simplefs's configuration gives
 * `path`, `size` (most entries kept) and `directory_size` (the byte budget,
 * a number or a size string like "500MB"); badger's `ValueDir`/`Dir` and
 * nuts' `Dir` are read as the path, the rest of their tuning is ignored.
 */
import { join } from 'node:path';
import { DecodeError, join as jsonPath, ObjectReader } from '../../core/decode.js';
import { appDataDir } from '../../go/userdirs.js';
import { parseBytes } from '../../go/units.js';

export const DISK_STORERS = ['simplefs', 'badger', 'nuts'] as const;

export interface DiskConfig {
  /** Which storer's JSON configured it (simplefs, badger or nuts). */
  storer: string;
  /** The configured path; the store's directory is this joined with the cache's name. */
  path: string;
  /** Byte budget of the directory. */
  maxBytes: number;
  /** Most files kept; 0: no limit. */
  maxEntries: number;
}

/** tsweb's budget when none is configured (simplefs has none: an unbounded directory fills the disk). */
export const DEFAULT_DISK_BYTES = 1 << 30;
/** Where a storer without a path keeps its files (simplefs would use the working directory). */
export const defaultDiskPath = (): string => join(appDataDir(), 'cache');

function sizeOf(v: unknown, at: string, bytes: boolean): number {
  if (v === undefined || v === null || v === '') return 0;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string') {
    try {
      const n = bytes ? parseBytes(v) : Number(v);
      if (Number.isSafeInteger(n) && n >= 0) return n;
    } catch (err) {
      throw new DecodeError(at, (err as Error).message);
    }
  }
  throw new DecodeError(at, `invalid ${bytes ? 'size' : 'number'}: ${JSON.stringify(v)}`);
}

/** The first disk storer present in the handler's JSON, or undefined; the others present are returned as ignored. */
export function decodeDisk(r: ObjectReader): { disk?: DiskConfig; ignored: string[] } {
  const present = DISK_STORERS.filter((s) => r.json[s] !== undefined && r.json[s] !== null);
  const ignored = present.slice(1);
  for (const s of DISK_STORERS) r.ignore(s);
  const storer = present[0];
  if (storer === undefined) return { ignored };
  const p = r.obj(storer, 'configurationtypes.CacheProvider');
  p.ignore('found', 'url', 'uuid');
  const conf = p.raw('configuration');
  const c: Record<string, unknown> = typeof conf === 'object' && conf !== null && !Array.isArray(conf) ? (conf as Record<string, unknown>) : {};
  const at = (k: string) => jsonPath(p.at('configuration'), k);
  const fromConf = [c['path'], c['ValueDir'], c['Dir']].find((v) => typeof v === 'string' && v !== '') as string | undefined;
  const path = p.str('path', '') || fromConf || defaultDiskPath();
  const maxBytes = sizeOf(c['directory_size'], at('directory_size'), true) || DEFAULT_DISK_BYTES;
  const maxEntries = storer === 'simplefs' ? sizeOf(c['size'], at('size'), false) : 0;
  p.done();
  return { disk: { storer, path, maxBytes, maxEntries }, ignored };
}
