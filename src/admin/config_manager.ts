/**
 * The config as the admin API sees it (Caddy's rawCfg, changeConfig, Load):
 * every change, from the API, the CLI's initial load or a reload, is a
 * mutation of a copy of the running JSON, checked against If-Match, compared
 * with the running one (unchanged = no reload unless forced), indexed by
 * `@id`, then loaded by the Runtime all-or-nothing. Only a config that runs
 * replaces the copy kept here, and it is autosaved unless
 * `admin.config.persist` is false. Changes are serialized.
 */
import type { EngineLog } from '../core/log.js';
import { isObject } from '../go/json.js';
import type { LoadOptions, Runtime } from '../runtime/runtime.js';
import { APIError } from './api_error.js';
import { configAccess, type ConfigRoot, type Method } from './config_path.js';
import { goMarshal } from './go_json.js';
import { writeAutosave } from './autosave.js';
import { xxhash64Hex } from './xxhash64.js';

export interface ConfigManagerOptions {
  log: EngineLog;
  /** The autosave file; '' never saves. */
  autosaveFile: string;
  /** Passed to every load (the files the config came from). */
  loadOptions?: () => LoadOptions;
}

/** What a change did: loaded a new config, or found it unchanged (Caddy's errSameConfig). */
export type ChangeResult = 'loaded' | 'unchanged';

const encoder = new TextEncoder();

/** The ETag of the JSON at `path`: `"<path> <xxhash64 hex>"`, as Caddy makes it. */
export function makeEtag(path: string, encoded: string): string {
  return `"${path} ${xxhash64Hex(encoder.encode(encoded))}"`;
}

/** Caddy's indexConfigObjects: `@id` (string or number) → its path, e.g. /config/apps/http/servers/srv0. */
export function indexConfigObjects(config: unknown): Map<string, string> {
  const index = new Map<string, string>();
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}/${i}`));
    } else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (k === '@id') {
          let id: string;
          if (typeof x === 'string') id = x;
          else if (typeof x === 'number') id = String(x);
          else throw new Error(`${path}: @id field must be a string or number`);
          const existing = index.get(id);
          if (existing !== undefined) throw new Error(`duplicate ID '${id}' found at ${existing} and ${path}`);
          index.set(id, path);
          continue;
        }
        walk(x, `${path}/${k}`);
      }
    }
  };
  walk(config, '/config');
  return index;
}

export class ConfigManager {
  private root: ConfigRoot = { config: null };
  /** The running config as Go marshals it; null before the first load (Caddy's rawCfgJSON). */
  private rawJSON: string | null = null;
  private index = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly runtime: Runtime,
    private readonly opts: ConfigManagerOptions,
  ) {}

  /** GET at `path` (e.g. /config/apps): the JSON with Go's trailing newline. */
  read(path: string): string {
    return configAccess(this.root, 'GET', path, undefined);
  }

  /** The path an `@id` stands for, e.g. /config/apps/http/servers/srv0. */
  idPath(id: string): string | undefined {
    return this.index.get(id);
  }

  /** The JSON being served (null before a load or for an empty config). Do not modify. */
  get config(): unknown {
    return this.root.config;
  }

  /** An admin API change: POST/PUT/PATCH/DELETE at `path` with a JSON body. */
  change(method: Exclude<Method, 'GET'>, path: string, body: string | undefined, ifMatch: string, force: boolean): Promise<ChangeResult> {
    return this.serialize(() => this.apply((root) => configAccess(root, method, path, body), ifMatch, force));
  }

  /** caddy.Load: the whole config (text or an already parsed value). */
  load(config: string | unknown, force: boolean): Promise<ChangeResult> {
    if (typeof config === 'string') return this.change('POST', '/config', config, '', force);
    return this.serialize(() =>
      this.apply(
        (root) => {
          root.config = config ?? null;
        },
        '',
        force,
      ),
    );
  }

  /** Stops the running config (POST /stop, signals); the API then shows an empty config. */
  stop(): Promise<void> {
    return this.serialize(async () => {
      await this.runtime.stop();
      this.root = { config: null };
      this.rawJSON = null;
      this.index = new Map();
    });
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private checkIfMatch(ifMatch: string): void {
    if (ifMatch === '') return;
    if (ifMatch.length < 2 || !ifMatch.startsWith('"') || !ifMatch.endsWith('"')) {
      throw new APIError(400, 'malformed If-Match header; expect quoted string');
    }
    const parts = ifMatch.slice(1, -1).split(/\s+/).filter(Boolean);
    if (parts.length !== 2) throw new APIError(400, 'malformed If-Match header; expect format "<path> <hash>"');
    const current = configAccess(this.root, 'GET', parts[0]!, undefined);
    if (xxhash64Hex(encoder.encode(current)) !== parts[1]) {
      throw new APIError(412, 'If-Match header did not match current config hash');
    }
  }

  private async apply(mutate: (root: ConfigRoot) => void, ifMatch: string, force: boolean): Promise<ChangeResult> {
    this.checkIfMatch(ifMatch);
    // The running JSON is shared with the Runtime: change a copy, keep it only if it loads.
    const next: ConfigRoot = { config: structuredClone(this.root.config) };
    mutate(next);
    const json = goMarshal(next.config);
    if (!force && json === this.rawJSON) {
      this.opts.log('info', '', 'config is unchanged');
      return 'unchanged';
    }
    let index: Map<string, string>;
    try {
      index = indexConfigObjects(next.config);
    } catch (err) {
      throw new APIError(400, `indexing config: ${(err as Error).message}`);
    }
    const config = next.config ?? {};
    await this.runtime.load(config, this.opts.loadOptions?.() ?? {});
    this.root = next;
    this.rawJSON = json;
    this.index = index;
    if (next.config !== null && persists(next.config)) this.autosave(json);
    return 'loaded';
  }

  private autosave(json: string): void {
    const file = this.opts.autosaveFile;
    if (file === '') return;
    try {
      writeAutosave(file, json);
      this.opts.log('info', '', 'autosaved config (load with --resume flag)', { file });
    } catch (err) {
      this.opts.log('error', '', 'unable to autosave config', { file, error: (err as Error).message });
    }
  }
}

/** admin.config.persist (default true). */
function persists(config: unknown): boolean {
  const persist = (config as { admin?: { config?: { persist?: unknown } } } | null)?.admin?.config?.persist;
  return persist !== false;
}
