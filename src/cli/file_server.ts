/**
 * `tsweb file-server`: Caddy's `caddy file-server`
 * (modules/caddyhttp/fileserver/command.go, the current flag set). It builds
 * the JSON config Caddy's command builds — one server "static" with one
 * route: encode (zstd, gzip) unless --no-compress, then file_server — and
 * serves it with the same Runtime as `tsweb run`, in the foreground, until
 * SIGINT/SIGTERM stop it gracefully.
 *
 * --domain adds a host matcher and listens on the HTTPS port: automatic
 * HTTPS then gets the certificate (internal for localhost and IP
 * addresses, ACME for public names), as with Caddy.
 *
 * Exit codes as Caddy's: 1 when the server cannot start, 2 on a usage error
 * or a forced quit, 0 after a clean stop, 3 when the stop failed.
 */
import { Runtime } from '../runtime/runtime.js';
import { precompressors } from '../modules/file_server/encodings.js';
import type { JSONObject } from '../go/json.js';
import type { Command } from './command.js';
import { ConfigError } from './errors.js';
import { engineLog } from './engine_log.js';
import { type FlagSpec, flagsHelp, stringSlice, UsageError } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { stderrLogger } from './log.js';
import { loadOrConfigError, serveUntilSignal } from './serve.js';
import { runFlagsVerb } from './verb.js';

/** Caddy's defaultDirEntryLimit: how many directory entries a listing reads at most. */
const defaultFileLimit = 10000;

const flags: FlagSpec[] = [
  { name: 'domain', short: 'd', type: 'string', valueName: 'string', help: 'Domain name at which to serve the files' },
  { name: 'root', short: 'r', type: 'string', valueName: 'string', help: 'The path to the root of the site' },
  { name: 'listen', short: 'l', type: 'string', valueName: 'string', help: 'The address to which to bind the listener' },
  { name: 'browse', short: 'b', type: 'bool', help: 'Enable directory browsing' },
  { name: 'reveal-symlinks', type: 'bool', help: 'Show symlink paths when browse is enabled.' },
  { name: 'templates', short: 't', type: 'bool', help: 'Enable template rendering' },
  { name: 'access-log', short: 'a', type: 'bool', help: 'Enable the access log' },
  { name: 'debug', short: 'v', type: 'bool', help: 'Enable verbose debug logs' },
  { name: 'file-limit', short: 'f', type: 'string', valueName: 'int', default: String(defaultFileLimit), help: 'Max directories to read' },
  { name: 'no-compress', type: 'bool', help: 'Disable Zstandard and Gzip compression' },
  { name: 'precompressed', short: 'p', type: 'list', valueName: 'strings', help: 'Specify precompression file extensions. Compression preference implied from flag order.' },
];

const usage = `A simple but production-ready file server. Useful for quick deployments,
demos, and development.

The listener's socket address can be customized with the --listen flag
(default :80).

If a domain name is specified with --domain, the default listener address
would be the HTTPS port and Caddy would serve HTTPS. tsweb does not
implement TLS yet: --domain is accepted only with a --listen address on
port 80, where the site is served over plain HTTP for that host name.

If --browse is enabled, requests for folders without an index file will
respond with a file listing.

Responses are compressed with zstd or gzip when the client accepts them,
unless --no-compress is given. --precompressed takes a list of encodings
(br, gzip, zstd; comma-separated or repeated) whose sidecar files
(file.br, file.gz, file.zst) are served in that order of preference.

SIGINT or SIGTERM stops the server gracefully.

Usage:
  tsweb file-server [--domain <example.com>] [--root <path>] [--listen <addr>] [--browse] [--reveal-symlinks] [--access-log] [--debug] [--file-limit <n>] [--no-compress] [--precompressed <encodings>]

Flags:
${flagsHelp(flags)}
`;

export interface FileServerOptions {
  domain: string;
  root: string;
  listen: string;
  browse: boolean;
  revealSymlinks: boolean;
  templates: boolean;
  accessLog: boolean;
  debug: boolean;
  fileLimit: number;
  compress: boolean;
  precompressed: string[];
}

/** pflag's IntP: a Go int in base 10 (or with a 0x/0o/0b prefix, as strconv.ParseInt base 0 reads it). */
function parseIntFlag(flag: string, value: string): number {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|[0-9_]+)$/.exec(value);
  const n = m ? Number(m[1] + m[2]!.replace(/_/g, '').replace(/^0(?=[0-7]+$)/, '0o')) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new UsageError(`invalid argument "${value}" for "${flag}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
  }
  return n;
}

/** Go's JSON of a module object: caddyconfig.JSONModuleObject re-marshals through a map, so keys come out sorted. */
function sortedKeys(obj: JSONObject): JSONObject {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The config `caddy file-server` runs (cmdFileServer), field for field. */
export function fileServerConfig(o: FileServerOptions): JSONObject {
  const handlers: JSONObject[] = [];
  if (o.compress) {
    handlers.push(sortedKeys({ handler: 'encode', encodings: { gzip: {}, zstd: {} }, prefer: ['zstd', 'gzip'] }));
  }
  if (o.templates) handlers.push(sortedKeys({ handler: 'templates', ...(o.root ? { file_root: o.root } : {}) }));

  const fileServer: JSONObject = { handler: 'file_server' };
  if (o.root) fileServer.root = o.root;
  if (o.precompressed.length > 0) {
    fileServer.precompressed = Object.fromEntries([...o.precompressed].sort().map((name) => [name, {}]));
    fileServer.precompressed_order = o.precompressed;
  }
  if (o.browse) fileServer.browse = { ...(o.revealSymlinks ? { reveal_symlinks: true } : {}), file_limit: o.fileLimit };
  handlers.push(sortedKeys(fileServer));

  const route: JSONObject = {};
  if (o.domain) route.match = [{ host: [o.domain] }];
  route.handle = handlers;

  const server: JSONObject = {
    listen: [o.listen || (o.domain ? ':443' : ':80')],
    // caddy.Duration marshals as nanoseconds.
    read_header_timeout: 10_000_000_000,
    idle_timeout: 30_000_000_000,
    max_header_bytes: 10 * 1024,
    routes: [route],
  };
  if (o.accessLog) server.logs = {};

  const config: JSONObject = {
    admin: { disabled: true, config: { persist: false } },
    apps: { http: { servers: { static: server } } },
  };
  if (o.debug) config.logging = { logs: { default: { level: 'DEBUG' } } };
  return config;
}

/** Refuses a precompressor Caddy has no module for, as cmdFileServer does, before anything listens. */
function checkSupported(o: FileServerOptions): void {
  for (const name of o.precompressed) {
    if (!(name in precompressors)) {
      throw new ConfigError(`getting module named 'http.precompressed.${name}': module not registered: http.precompressed.${name}`);
    }
  }
}

export async function runFileServer(args: string[], io: CliIO): Promise<number> {
  return runFlagsVerb(io, usage, args, flags, async (opts) => {
    const o: FileServerOptions = {
      domain: opts.strings.get('domain')!,
      root: opts.strings.get('root')!,
      listen: opts.strings.get('listen')!,
      browse: opts.bools.get('browse')!,
      revealSymlinks: opts.bools.get('reveal-symlinks')!,
      templates: opts.bools.get('templates')!,
      accessLog: opts.bools.get('access-log')!,
      debug: opts.bools.get('debug')!,
      fileLimit: parseIntFlag('-f, --file-limit', opts.strings.get('file-limit')!),
      compress: !opts.bools.get('no-compress')!,
      precompressed: stringSlice(opts, 'precompressed'),
    };
    checkSupported(o);
    const config = fileServerConfig(o);

    const log = stderrLogger(io.stderr, io.stderrIsTTY);
    const runtime = new Runtime({ log: engineLog(log, () => o.debug), env: io.env });
    await loadOrConfigError(runtime, config);
    const listen = (config.apps as { http: { servers: { static: { listen: string[] } } } }).http.servers.static.listen[0]!;
    log.log('info', '', 'serving static files', { listen, root: o.root || '.' });
    return serveUntilSignal(runtime, log);
  });
}

export const command: Command = {
  name: 'file-server',
  summary: 'Spins up a production-ready file server',
  usage,
  run: (args) => runFileServer(args, processIO()),
};
