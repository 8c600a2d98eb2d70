/**
 * A real php-fpm for FastCGI tests: a minimal config in a temp dir (pid,
 * error log, upload dir there; listen on a unix socket; pm static with two
 * children; clear_env off), started in the foreground without any php.ini
 * (`-n`: PHP's built-in defaults, so display_errors is set here and PHP's
 * errors reach the FastCGI stderr stream), waited for until its socket
 * accepts, stopped by pid. `available()` says whether php-fpm is installed
 * (scripts/system-deps.sh installs php8.2-fpm).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = ['/usr/sbin/php-fpm8.2', '/usr/sbin/php-fpm', '/usr/sbin/php-fpm8.3', '/usr/sbin/php-fpm8.4'];

export function phpFpmBinary(): string | null {
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

export interface PhpFpm {
  /** The unix socket it listens on ('' when it listens on TCP). */
  readonly socket: string;
  /** The TCP address it listens on ('127.0.0.1:port'), or ''. */
  readonly tcp: string;
  /** The temp dir holding its config, pid, log and uploads. */
  readonly dir: string;
  readonly pid: number;
  /** php-fpm's own log (worker starts, script errors it noticed). */
  log(): string;
  stop(): Promise<void>;
}

export interface PhpFpmOptions {
  /** Extra pool lines (`php_admin_value[...] = ...`). */
  pool?: string[];
  children?: number;
  /** Listen on this loopback TCP port instead of a unix socket. */
  tcpPort?: number;
}

function canConnect(target: { path: string } | { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(target);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startPhpFpm(opts: PhpFpmOptions = {}): Promise<PhpFpm> {
  const bin = phpFpmBinary();
  if (bin === null) throw new Error('php-fpm is not installed (scripts/system-deps.sh installs php8.2-fpm)');
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-php-fpm-'));
  const tcp = opts.tcpPort === undefined ? '' : `127.0.0.1:${opts.tcpPort}`;
  const socket = tcp === '' ? join(dir, 'php-fpm.sock') : '';
  const uploads = join(dir, 'uploads');
  mkdirSync(uploads);
  const asRoot = process.getuid?.() === 0;
  const conf = [
    '[global]',
    `pid = ${join(dir, 'php-fpm.pid')}`,
    `error_log = ${join(dir, 'php-fpm.log')}`,
    'daemonize = no',
    '',
    '[www]',
    ...(asRoot ? ['user = root', 'group = root'] : []),
    `listen = ${tcp || socket}`,
    'pm = static',
    `pm.max_children = ${opts.children ?? 2}`,
    'clear_env = no',
    'catch_workers_output = no',
    // Errors go to the FastCGI stderr stream (no error_log), never into the page.
    'php_admin_value[display_errors] = 0',
    'php_admin_value[log_errors] = 1',
    'php_admin_value[output_buffering] = 0',
    'php_admin_value[implicit_flush] = 1',
    `php_admin_value[upload_tmp_dir] = ${uploads}`,
    'php_admin_value[upload_max_filesize] = 64M',
    'php_admin_value[post_max_size] = 64M',
    ...(opts.pool ?? []),
    '',
  ].join('\n');
  const confPath = join(dir, 'php-fpm.conf');
  writeFileSync(confPath, conf);
  const args = ['-F', '-n', '-y', confPath, ...(asRoot ? ['-R'] : [])];
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // If the test process goes before stop() ran (a hook timed out), php-fpm must not outlive it.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`php-fpm exited at start (${child.exitCode}): ${output}`);
    const up = tcp === '' ? existsSync(socket) && (await canConnect({ path: socket })) : await canConnect({ host: '127.0.0.1', port: opts.tcpPort! });
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`php-fpm did not listen on ${tcp || socket} within 15 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = child.pid!;
  return {
    socket,
    tcp,
    dir,
    pid,
    log: () => {
      try {
        return readFileSync(join(dir, 'php-fpm.log'), 'utf8');
      } catch {
        return '';
      }
    },
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        // SIGTERM: the master stops its children at once (SIGQUIT would wait for running scripts).
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
