// What the end-to-end tests share: the built executable (dist/tsweb, a Node
// SEA: no node, bundle or node_modules involved when it runs), free loopback
// ports, the processes they start (all killed after each test), and bounded
// waiting.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..');
export const cli = join(root, 'dist', 'tsweb');

/** Builds dist/ if a test file runs on its own (the test runner builds it first). */
export function ensureBuilt(): void {
  if (existsSync(cli)) return;
  const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
}

export { freePort } from '../test/support/free_port.js';

/** Waits (bounded) until `cond` holds. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const children: ChildProcess[] = [];

/** Remembers a child so killChildren() stops it. */
export function track<T extends ChildProcess>(child: T): T {
  children.push(child);
  return child;
}

/** For afterEach: every process a test started is gone afterwards. */
export function killChildren(): void {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

export interface Proc {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `tsweb ARGS` in `cwd` with a minimal environment, stderr collected. */
export function startCli(args: string[], cwd: string): Proc {
  const child = track(spawn(cli, args, { cwd, env: { PATH: process.env.PATH, HOME: cwd }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, stderr: () => err, exited };
}

// --- For the admin API and the verbs that talk to it (e2e/admin*.test.ts, e2e/verbs*.test.ts). ---

export interface ProcWithOut extends Proc {
  stdout: () => string;
}

/**
 * startCli with extra environment variables (TSWEB_ADMIN, XDG_CONFIG_HOME)
 * and stdout collected too. A verb that leaves a process behind (`start`)
 * keeps the pipes open, so wait on `exited`, not on the streams.
 */
export function startCliEnv(args: string[], cwd: string, env: Record<string, string>): ProcWithOut {
  const child = track(spawn(cli, args, { cwd, env: { PATH: process.env.PATH, HOME: cwd, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let err = '';
  let out = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (err += d));
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, stderr: () => err, stdout: () => out, exited };
}
