/**
 * Where certificates, keys, ACME accounts, the internal CA and challenge
 * tokens live: certmagic's Storage interface (storage.go), so a backend
 * shared by several tsweb instances (files on a shared disk, later Redis)
 * makes them one cluster, as Caddy instances sharing storage are.
 *
 * Keys use '/' between components and have no leading or trailing slash. A
 * "file" is a key with a value; a "directory" is a key with no value that is
 * the prefix (component-wise: "a" prefixes "a/b", not "ab/c") of others.
 * Every backend passes test/tls/storage-suite.ts.
 */

export interface KeyInfo {
  key: string;
  /** Optional in certmagic; file storage always has it. */
  modified: Date;
  size: number;
  /** False for directories (keys that only prefix other keys). */
  isTerminal: boolean;
}

export interface LockOptions {
  /** Stops waiting for a held lock (certmagic's context cancellation). */
  signal?: AbortSignal;
}

export interface Storage {
  /** Creates or overwrites the value at key; readers never see a half-written value. */
  store(key: string, value: Uint8Array | string): Promise<void>;
  /** The value stored at key; NotExistError when there is none. */
  load(key: string): Promise<Buffer>;
  /** Removes key and, for a directory, everything under it; a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** True for a file or a directory. */
  exists(key: string): Promise<boolean>;
  /**
   * Keys under prefix: its direct children, or with recursive every key
   * below it, directories included. NotExistError when prefix does not exist.
   */
  list(prefix: string, recursive: boolean): Promise<string[]>;
  stat(key: string): Promise<KeyInfo>;
  /**
   * Takes the named lock, waiting while another holder (this process or
   * another machine sharing the storage) has it. Locks guard high-level jobs
   * (issue a certificate, create the CA), not single calls: callers re-check
   * storage after locking, since the work may have been done meanwhile.
   */
  lock(name: string, opts?: LockOptions): Promise<void>;
  /** Takes the lock only if it is free now (certmagic's TryLocker). */
  tryLock(name: string): Promise<boolean>;
  /** Releases a lock taken by lock(); an error when it is not held. */
  unlock(name: string): Promise<void>;
  /** Names the backend in logs, as certmagic's String(). */
  toString(): string;
}

/** certmagic's fs.ErrNotExist: the key (or prefix) is not in storage. */
export class NotExistError extends Error {
  override name = 'NotExistError';
  readonly code = 'ENOENT';
  constructor(readonly key: string, cause?: unknown) {
    super(`key not found: ${key}`, cause === undefined ? undefined : { cause });
  }
}

export function isNotExist(err: unknown): err is NotExistError {
  return err instanceof NotExistError;
}

/** Runs fn holding the named lock; the lock is released however fn ends. */
export async function withLock<T>(storage: Storage, name: string, fn: () => Promise<T>, opts?: LockOptions): Promise<T> {
  await storage.lock(name, opts);
  try {
    return await fn();
  } finally {
    await storage.unlock(name);
  }
}

/**
 * certmagic's storeTx: stores all the values or, when one fails, deletes the
 * ones already stored, so a certificate never sits beside another's key.
 */
export async function storeAll(storage: Storage, entries: ReadonlyArray<readonly [key: string, value: Uint8Array | string]>): Promise<void> {
  for (let i = 0; i < entries.length; i++) {
    try {
      await storage.store(entries[i]![0], entries[i]![1]);
    } catch (err) {
      for (let j = i - 1; j >= 0; j--) await storage.delete(entries[j]![0]).catch(() => undefined);
      throw err;
    }
  }
}
