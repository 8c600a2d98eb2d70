/**
 * `tsweb respond`: Caddy's `caddy respond` (caddyhttp/staticresp.go
 * cmdRespond), a quick server answering every request with one static
 * response, for development and testing. One server per port of --listen
 * (default :0, a random port), each address printed to stdout; the body may
 * use {{.N}}, {{.Port}} and {{.Address}}. No admin API, nothing autosaved.
 */
import { fstatSync } from 'node:fs';
import { isFdNetwork, isUnixNetwork, joinHostPort, parseNetworkAddress } from '../net/netaddr.js';
import type { JSONObject } from '../go/json.js';
import { Runtime } from '../runtime/runtime.js';
import type { Command } from './command.js';
import { ConfigError } from './errors.js';
import { type FlagSpec, flagsHelp, parseFlags, UsageError } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { type Fields, stderrLogger } from './log.js';
import { loadOrConfigError, serveUntilSignal } from './serve.js';
import { runVerb } from './verb.js';

const flags: FlagSpec[] = [
  { name: 'listen', short: 'l', type: 'string', valueName: 'string', default: ':0', help: 'The address to which to bind the listener' },
  { name: 'status', short: 's', type: 'string', valueName: 'int', default: '200', help: 'The response status code' },
  { name: 'body', short: 'b', type: 'string', valueName: 'string', help: 'The body of the HTTP response' },
  { name: 'access-log', type: 'bool', help: 'Enable the access log' },
  { name: 'debug', short: 'v', type: 'bool', help: 'Enable more verbose debug-level logging' },
  { name: 'header', short: 'H', type: 'list', valueName: 'stringArray', help: 'Set a header on the response (format: "Field: value")' },
];

const usage = `Spins up a quick-and-clean HTTP server for development and testing purposes.

With no options specified, this command listens on a random available port
and answers HTTP requests with an empty 200 response. The listen address can
be customized with the --listen flag and will always be printed to stdout.
If the listen address includes a port range, multiple servers will be started.

If a final, unnamed argument is given, it will be treated as a status code
(same as the --status flag) if it is a 3-digit number. Otherwise, it is used
as the response body (same as the --body flag). The --status and --body flags
will always override this argument (for example, to write a body that
literally says "404" but with a status code of 200, do '--status 200 404').

A body may be given in 3 ways: a flag, a final (and unnamed) argument to
the command, or piped to stdin (if flag and argument are unset). The body may
use these template variables:

	{{.N}}        The server number (useful if using a port range)
	{{.Port}}     The listener port
	{{.Address}}  The listener address

Access/request logging and more verbose debug logging can also be enabled.

Response headers may be added using the --header flag for each header field.

Usage:
  tsweb respond [--status <code>] [--body <content>] [--listen <addr>] [--access-log] [--debug] [--header "Field: value"] <body|status>

Flags:
${flagsHelp(flags)}
`;

/** Go's http.CanonicalHeaderKey. */
function canonicalKey(k: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(k)) return k;
  return k.toLowerCase().replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}

/** The body's text/template, limited to the three fields Caddy offers. */
function renderBody(body: string, vars: { N: number; Port: number; Address: string }): string {
  return body.replace(/\{\{(.*?)\}\}/gs, (_m, inner: string) => {
    const name = inner.trim();
    if (name === '.N') return String(vars.N);
    if (name === '.Port') return String(vars.Port);
    if (name === '.Address') return vars.Address;
    throw new ConfigError(`template: body: only {{.N}}, {{.Port}} and {{.Address}} are supported, not {{${inner}}}`);
  });
}

function stdinIsPipe(): boolean {
  try {
    return fstatSync(0).isFIFO();
  } catch {
    return false;
  }
}

export interface RespondOptions {
  listen: string;
  status: number;
  body: string;
  headers: Record<string, string[]>;
  accessLog: boolean;
  debug: boolean;
}

/** The config cmdRespond builds: one server per port, admin off, nothing persisted. */
export function respondConfig(o: RespondOptions): JSONObject {
  let na;
  try {
    na = parseNetworkAddress(o.listen);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const server = (i: number, port: number, addr: string): JSONObject => {
    const handler: JSONObject = { handler: 'static_response', status_code: String(o.status) };
    if (Object.keys(o.headers).length > 0) handler.headers = o.headers;
    const body = renderBody(o.body, { N: i, Port: port, Address: addr });
    if (body !== '') handler.body = body;
    const s: JSONObject = {
      listen: [addr],
      // caddy.Duration marshals as nanoseconds.
      read_header_timeout: 10_000_000_000,
      idle_timeout: 30_000_000_000,
      max_header_bytes: 10 * 1024,
      routes: [{ handle: [handler] }],
      automatic_https: { disable_redirects: true },
    };
    if (o.accessLog) s.logs = {};
    return s;
  };
  const servers: JSONObject = {};
  if (!isUnixNetwork(na.network) && !isFdNetwork(na.network)) {
    for (let p = na.startPort, i = 0; p <= na.endPort; p++, i++) servers[`static${i}`] = server(i, p, joinHostPort(na.host.replace(/^\[|\]$/g, ''), String(p)));
  } else {
    servers.static0 = server(0, 0, o.listen);
  }
  const config: JSONObject = { admin: { disabled: true, config: { persist: false } }, apps: { http: { servers } } };
  if (o.debug) config.logging = { logs: { default: { level: 'DEBUG' } } };
  return config;
}

export async function runRespond(args: string[], io: CliIO): Promise<number> {
  return runVerb(io, usage, async () => {
    const opts = parseFlags(args, flags);
    if (opts.help) {
      io.stdout(usage);
      return 0;
    }
    if (opts.positional.length > 1) throw new ConfigError('too many unflagged arguments');
    const arg = opts.positional[0] ?? '';
    const statusText = opts.strings.get('status')!;
    if (!/^[+-]?\d+$/.test(statusText)) throw new UsageError(`invalid argument "${statusText}" for "-s, --status" flag: strconv.ParseInt: parsing "${statusText}": invalid syntax`);
    let status = Number(statusText);
    let body = opts.strings.get('body')!;
    // Caddy looks for the long flag only.
    const statusGiven = args.includes('--status');
    if (arg !== '') {
      if (body !== '' && statusGiven) throw new ConfigError(`unflagged argument "${arg}" is overridden by flags`);
      if (/^[+-]?\d+$/.test(arg) && !statusGiven) {
        const n = Number(arg);
        if (n >= 100 && n <= 999) status = n;
      } else if (body === '') {
        body = arg;
      }
    }
    if (body === '' && stdinIsPipe()) body = await io.readStdin();
    const headers: Record<string, string[]> = {};
    opts.lists.get('header')!.forEach((h, i) => {
      const colon = h.indexOf(':');
      const key = colon < 0 ? h.trim() : h.slice(0, colon).trim();
      const val = colon < 0 ? '' : h.slice(colon + 1).trim();
      if (colon < 0 || key === '' || val === '') throw new ConfigError(`header ${i}: invalid format "${h}" (expecting "Field: value")`);
      headers[canonicalKey(key)] = [val];
    });
    const debug = opts.bools.get('debug')!;
    const config = respondConfig({ listen: opts.strings.get('listen')!, status, body, headers, accessLog: opts.bools.get('access-log')!, debug });

    const log = stderrLogger(io.stderr, io.stderrIsTTY);
    const runtime = new Runtime({
      log: (level, logger, msg, fields) => {
        if (level !== 'debug' || debug) log.log(level, logger, msg, fields as Fields | undefined);
      },
      env: io.env,
    });
    await loadOrConfigError(runtime, config);
    const bound = runtime.addresses();
    for (const name of Object.keys(config.apps.http.servers as JSONObject)) {
      for (const addr of bound.get(name) ?? []) io.stdout(`Server address: ${addr}\n`);
    }
    return serveUntilSignal(runtime, log);
  });
}

export const command: Command = {
  name: 'respond',
  summary: 'Simple, hard-coded HTTP responses for development and testing',
  usage,
  run: (args) => runRespond(args, processIO()),
};
