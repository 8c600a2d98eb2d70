/**
 * The `cache` global option and the body of the `cache` directive, with
 * caddyserver/cache-handler's syntax (one parser for both, as the plugin
 * has):
 *
 *     cache {
 *         ttl <duration>                  stale <duration>
 *         default_cache_control <value>   allowed_http_verbs <verbs...>
 *         cache_name <name>               mode strict|bypass|bypass_request|bypass_response
 *         max_cacheable_body_bytes <size>
 *         key { disable_body disable_host disable_method disable_query disable_scheme hide headers <names...> }
 *         x_cache_status                  memory_limit <size>     (tsweb's)
 *         lock_timeout <duration>         (tsweb's: nginx's proxy_cache_lock_timeout, 5s)
 *         simplefs|badger|nuts { path <dir>  configuration { path size directory_size … } }
 *     }
 *
 * The global option's value is not an app here: the directive reads it as
 * its defaults (cache-handler's FromApp merges the app into every handler
 * the same way), so each `cache` handler's JSON is complete on its own.
 * simplefs, badger and nuts all configure tsweb's disk store at their path
 * (modules/cache/disk_config.ts). The plugin's other storage backends, API,
 * CDN, timeouts and log level are
 * accepted and reported in `ignored` (the directive warns with their names);
 * `cache_keys` and `regex` change what is shared between clients and are
 * refused rather than silently dropped.
 */
import type { Dispenser } from '../../caddyfile/dispenser.js';
import { parseBytes, parseGoDuration } from '../../go/units.js';
import { registerGlobalOption } from '../registry.js';
import type { JSONObject } from '../types.js';

export interface CacheBlock {
  json: JSONObject;
  /** Plugin options tsweb accepts without acting on them. */
  ignored: string[];
}

/** cache-handler options that configure what tsweb does not have yet; a config using them still loads. */
const IGNORED = new Set([
  'cdn', 'etcd', 'nats', 'olric', 'otter', 'redis',
  'storers', 'timeout', 'log_level', 'surrogate_keys', 'allowed_additional_status_codes',
]);

const KEY_FLAGS = ['disable_body', 'disable_host', 'disable_method', 'disable_query', 'disable_scheme', 'hide'];

function skipBlock(d: Dispenser): void {
  for (const n = d.getNesting(); d.nextBlock(n); );
}

function oneArg(d: Dispenser): string {
  const a = d.remainingArgs();
  if (a.length !== 1) throw d.argErr();
  return a[0]!;
}

/**
 * `api { souin }`: tsweb always serves Souin's routes on the admin endpoint
 * under /souin-api/souin, so enabling them needs nothing; what would move or
 * add to them is reported as ignored.
 */
function parseApiBlock(d: Dispenser, ignored: string[]): void {
  d.remainingArgs();
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    const opt = d.val();
    const args = d.remainingArgs();
    if (opt === 'souin') {
      for (const m = d.getNesting(); d.nextBlock(m); ) {
        const inner = d.val();
        const v = d.remainingArgs();
        if (!(inner === 'basepath' && v.length === 1 && v[0] === '/souin')) ignored.push(`api.souin.${inner}`);
        skipBlock(d);
      }
    } else if (opt === 'basepath' && args.length === 1 && args[0] === '/souin-api') {
      // The default: nothing to do.
    } else {
      skipBlock(d);
      ignored.push(`api.${opt}`);
    }
  }
}

/** A `configuration { … }` block as cache-handler reads it: `Name value` lines (values as strings), nested blocks as objects. */
function parseConfigurationBlock(d: Dispenser): JSONObject {
  const out: JSONObject = {};
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    const name = d.val();
    const args = d.remainingArgs();
    const nested = parseConfigurationBlock(d);
    out[name] = Object.keys(nested).length > 0 ? nested : args.length === 0 ? true : args.length === 1 ? args[0]! : args;
  }
  return out;
}

/**
 * `simplefs`, `badger` and `nuts` (cache-handler's storers): `path <dir>`
 * and `configuration { … }`; tsweb's disk store is kept at that path.
 */
function parseStorer(d: Dispenser, name: string): JSONObject {
  if (d.remainingArgs().length > 0) throw d.argErr();
  const provider: JSONObject = {};
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    const opt = d.val();
    if (opt === 'path') {
      provider.path = oneArg(d);
    } else if (opt === 'configuration') {
      if (d.remainingArgs().length > 0) throw d.argErr();
      provider.configuration = parseConfigurationBlock(d);
    } else {
      throw d.err(`unsupported ${name} directive: ${opt}`);
    }
  }
  return provider;
}

/** Reads the block after the option or directive name (the cursor is on the name). */
export function parseCacheBlock(d: Dispenser): CacheBlock {
  const json: JSONObject = {};
  const ignored: string[] = [];
  if (d.remainingArgs().length > 0) throw d.argErr();
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    const sub = d.val();
    switch (sub) {
      case 'ttl':
      case 'stale':
      case 'lock_timeout': {
        const v = oneArg(d);
        try {
          json[sub] = parseGoDuration(v);
        } catch (e) {
          throw d.err(`parsing ${sub}: ${(e as Error).message}`);
        }
        break;
      }
      case 'default_cache_control':
        json.default_cache_control = d.remainingArgs().join(' ');
        break;
      case 'cache_name':
        json.cache_name = oneArg(d);
        break;
      case 'allowed_http_verbs': {
        const verbs = d.remainingArgs();
        if (verbs.length === 0) throw d.argErr();
        json.allowed_http_verbs = verbs;
        break;
      }
      case 'mode': {
        const m = oneArg(d);
        if (!['strict', 'bypass', 'bypass_request', 'bypass_response'].includes(m)) throw d.err(`unknown cache mode '${m}' (strict, bypass, bypass_request or bypass_response)`);
        json.mode = m;
        break;
      }
      case 'max_cacheable_body_bytes':
      case 'memory_limit': {
        const v = oneArg(d);
        try {
          json[sub] = parseBytes(v);
        } catch (e) {
          throw d.err(`parsing ${sub}: ${(e as Error).message}`);
        }
        break;
      }
      case 'x_cache_status':
        if (d.remainingArgs().length > 0) throw d.argErr();
        json.x_cache_status = true;
        break;
      case 'key': {
        if (d.remainingArgs().length > 0) throw d.argErr();
        const key: JSONObject = {};
        for (const k = d.getNesting(); d.nextBlock(k); ) {
          const opt = d.val();
          if (KEY_FLAGS.includes(opt)) {
            if (d.remainingArgs().length > 0) throw d.argErr();
            key[opt] = true;
          } else if (opt === 'headers') {
            const names = d.remainingArgs();
            if (names.length === 0) throw d.argErr();
            key.headers = names;
          } else if (opt === 'template' || opt === 'hash' || opt === 'disable_vary' || opt === 'sort_query') {
            d.remainingArgs();
            skipBlock(d);
            ignored.push(`key.${opt}`);
          } else {
            throw d.err(`unrecognized cache key option '${opt}'`);
          }
        }
        json.key = key;
        break;
      }
      case 'api':
        parseApiBlock(d, ignored);
        break;
      case 'simplefs':
      case 'badger':
      case 'nuts':
        json[sub] = parseStorer(d, sub);
        break;
      case 'cache_keys':
      case 'regex':
        throw d.err(`cache: '${sub}' is not supported by tsweb yet; use a matcher in front of the cache directive instead`);
      default:
        if (!IGNORED.has(sub)) throw d.err(`unrecognized cache option '${sub}'`);
        d.remainingArgs();
        skipBlock(d);
        ignored.push(sub);
    }
  }
  return { json, ignored };
}

registerGlobalOption('cache', (d: Dispenser) => {
  d.next();
  return parseCacheBlock(d);
});
