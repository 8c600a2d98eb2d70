/**
 * `tsweb start`: Caddy's `caddy start` (cmd/commandfuncs.go cmdStart). Runs
 * `tsweb run` in the background and returns once it serves, or fails with
 * its exit status. The readiness signal is Caddy's: the parent listens on a
 * loopback port, hands the child 32 random bytes on stdin and the port in
 * --pingback; once its initial config runs, the child connects and echoes
 * the bytes back (so no stray connection can pass for it).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { isSea } from 'node:sea';
import type { Command } from './command.js';
import { ConfigError } from './errors.js';
import { type FlagSpec, flagsHelp } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { runFlagsVerb } from './verb.js';

const flags: FlagSpec[] = [
  { name: 'config', short: 'c', type: 'string', valueName: 'file', help: 'Configuration file' },
  { name: 'adapter', short: 'a', type: 'string', valueName: 'name', help: 'Name of config adapter to apply' },
  { name: 'envfile', type: 'list', valueName: 'file', help: 'Environment file(s) to load' },
  { name: 'watch', short: 'w', type: 'bool', help: 'Reload changed config file automatically' },
  { name: 'pidfile', type: 'string', valueName: 'file', help: 'Path of file to which to write process ID' },
];

const usage = `Starts the tsweb process, optionally bootstrapped with an initial config
file. This command unblocks after the server starts running or fails to run.

If --envfile is specified, an environment file with environment variables
in the KEY=VALUE format will be loaded into the tsweb process.

Stop it with 'tsweb stop' (through the admin API) or a signal to its pid
(--pidfile writes it to a file).

Usage:
  tsweb start [--config <path> [--adapter <name>]] [--envfile <path>] [--watch] [--pidfile <file>]

Flags:
${flagsHelp(flags)}
`;

/** How to run this same program again: the SEA binary alone, or node and the bundle. */
export function selfCommand(): [string, string[]] {
  return isSea() ? [process.execPath, []] : [process.execPath, [process.argv[1]!]];
}

/** listenTCPForPingback: 127.0.0.1:0, else [::1]:0. */
function listenForPingback(): Promise<Server> {
  const tryListen = (host: string): Promise<Server> =>
    new Promise((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, host, () => resolve(s));
    });
  return tryListen('127.0.0.1').catch((e4: Error) =>
    tryListen('::1').catch((e6: Error) => {
      throw new ConfigError(`opening listener for success confirmation: listen on 127.0.0.1:0: ${e4.message}; listen on [::1]:0: ${e6.message}`);
    }),
  );
}

export async function runStart(args: string[], io: CliIO): Promise<number> {
  return runFlagsVerb(io, usage, args, flags, async (opts) => {
    const ln = await listenForPingback();
    try {
      const a = ln.address() as { address: string; port: number; family: string };
      const pingback = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
      const childArgs = ['run', '--pingback', pingback];
      const config = opts.strings.get('config')!;
      if (config !== '') childArgs.push('--config', config);
      for (const f of opts.lists.get('envfile')!) childArgs.push('--envfile', f);
      const adapter = opts.strings.get('adapter')!;
      if (adapter !== '') childArgs.push('--adapter', adapter);
      if (opts.bools.get('watch')) childArgs.push('--watch');
      const pidfile = opts.strings.get('pidfile')!;
      if (pidfile !== '') childArgs.push('--pidfile', pidfile);

      const expect = randomBytes(32);
      const [cmd, pre] = selfCommand();
      const child = spawn(cmd, [...pre, ...childArgs], { cwd: io.cwd, env: io.env, stdio: ['pipe', 'inherit', 'inherit'] });
      child.stdin!.on('error', () => {}); // a child that died early closed its end
      child.stdin!.end(expect);

      const outcome = await new Promise<{ ok: true } | { ok: false; why: string }>((resolve) => {
        ln.on('connection', (conn) => {
          const chunks: Buffer[] = [];
          let size = 0;
          conn.on('data', (c: Buffer) => {
            chunks.push(c);
            size += c.length;
            if (size >= 32) conn.end();
          });
          conn.on('error', () => {});
          conn.on('close', () => {
            const got = Buffer.concat(chunks).subarray(0, 32);
            if (got.equals(expect)) resolve({ ok: true });
            else io.stderr(`wrong confirmation: ${got.toString('hex')}\n`);
          });
        });
        child.on('error', (err) => resolve({ ok: false, why: `starting tsweb process: ${err.message}` }));
        child.on('exit', (code, signal) => resolve({ ok: false, why: `tsweb process exited with error: ${signal ? `signal: ${signal}` : `exit status ${code}`}` }));
      });
      if (!outcome.ok) throw new ConfigError(outcome.why);
      // The child lives on by itself; this process must not wait for it.
      child.removeAllListeners('exit');
      child.unref();
      io.stdout(`Successfully started tsweb (pid=${child.pid}) - tsweb is running in the background\n`);
      return 0;
    } finally {
      ln.close();
    }
  });
}

export const command: Command = {
  name: 'start',
  summary: 'Starts the tsweb process in the background and then returns',
  usage,
  run: (args) => runStart(args, processIO()),
};
