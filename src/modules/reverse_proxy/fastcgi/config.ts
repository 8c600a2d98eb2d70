/**
 * The fastcgi transport's JSON (Caddy's fastcgi.Transport, what php_fastcgi
 * writes) decoded once at load: split_path lower-cased and checked ASCII as
 * Caddy's Provision does, the dial timeout defaulting to 3 s, and every
 * other field with Caddy's meaning (0: no deadline).
 */
import { DecodeError, ObjectReader } from '../../../core/decode.js';

export interface FastCGISettings {
  readonly protocol: 'fastcgi';
  /** Placeholders allowed; '{http.vars.root}' when unset. */
  readonly root: string;
  /** Lower-cased: matched case-insensitively against the path. */
  readonly splitPath: readonly string[];
  readonly resolveRootSymlink: boolean;
  /** In the order written (placeholders allowed in the values). */
  readonly env: ReadonlyArray<readonly [string, string]>;
  readonly dialTimeout: number;
  /** Milliseconds from the connection for the whole response (Go's read deadline); 0: none. */
  readonly readTimeout: number;
  /** Milliseconds from the connection for the whole request body; 0: none. */
  readonly writeTimeout: number;
  readonly captureStderr: boolean;
}

/** Reads a `{"protocol": "fastcgi", ...}` transport at `path`. */
export function decodeFastCGI(v: unknown, path: string): FastCGISettings {
  const r = ObjectReader.of(v, path, 'fastcgi.Transport');
  r.raw('protocol');
  const root = r.str('root', '');
  const splitPath = r.strList('split_path').map((s, i) => {
    // Caddy's ErrInvalidSplitPath: the split is compared byte by byte, ASCII only.
    if (/[^\x00-\x7f]/.test(s)) throw new DecodeError(`${r.at('split_path')}[${i}]`, 'split path contains non-ASCII characters');
    return s.toLowerCase();
  });
  const env = [...r.map('env', (x, at) => {
    if (typeof x !== 'string') throw new DecodeError(at, `json: cannot unmarshal ${typeof x} into Go value of type string`);
    return x;
  })];
  const settings: FastCGISettings = {
    protocol: 'fastcgi',
    root: root === '' ? '{http.vars.root}' : root,
    splitPath,
    resolveRootSymlink: r.bool('resolve_root_symlink'),
    env,
    dialTimeout: r.durationMs('dial_timeout') || 3000,
    readTimeout: r.durationMs('read_timeout'),
    writeTimeout: r.durationMs('write_timeout'),
    captureStderr: r.bool('capture_stderr'),
  };
  r.done();
  return settings;
}
