// dist/tsweb is one self-contained executable: copied out of the repository
// and run with a PATH that holds no node, from a directory with no
// node_modules above it, it still answers `version` and serves a Caddyfile.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt, freePort, killChildren, root, track, until } from './cli-harness.js';

const pinned = JSON.parse(readFileSync(join(root, 'node_modules', 'node', 'package.json'), 'utf8')) as { version: string };
let dir = '';
let bin = '';
let emptyPath = '';

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'tsweb-sea-'));
  bin = join(dir, 'tsweb');
  // A hard link costs nothing; a copy (≈110 MB) only when tmp is another filesystem.
  try {
    linkSync(cli, bin);
  } catch {
    copyFileSync(cli, bin);
  }
  emptyPath = join(dir, 'bin');
  mkdirSync(emptyPath);
});
afterEach(killChildren);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = () => ({ PATH: emptyPath, HOME: dir });

/** Every ancestor of `d`, itself included. */
function ancestors(d: string): string[] {
  const out = [d];
  while (dirname(out.at(-1)!) !== out.at(-1)) out.push(dirname(out.at(-1)!));
  return out;
}

describe('dist/tsweb, the single executable', () => {
  it('is a native executable, not a script', () => {
    const head = Buffer.alloc(4);
    const fd = openSync(cli, 'r');
    readSync(fd, head, 0, 4, 0);
    closeSync(fd);
    expect(head.toString('latin1')).toBe('\x7fELF');
  });

  it('runs where no node and no node_modules can be found, on the pinned Node', () => {
    expect(spawnSync('sh', ['-c', 'command -v node'], { env: env() }).status).not.toBe(0);
    for (const d of ancestors(dir)) expect(existsSync(join(d, 'node_modules')), `${d}/node_modules`).toBe(false);
    const r = spawnSync(bin, ['version'], { cwd: dir, env: env(), encoding: 'utf8', timeout: 15000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`v${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version} (Node.js v${pinned.version})\n`);
  });

  it('serves a Caddyfile from there, with no warning on stderr', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'Caddyfile'), `{\n\tadmin off\n}\n\n:${port} {\n\trespond "from one file"\n}\n`);
    const child = track(spawn(bin, ['run'], { cwd: dir, env: env(), stdio: ['ignore', 'ignore', 'pipe'] }));
    let log = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
    await until(() => log.includes('serving initial configuration') || child.exitCode !== null, 'startup');
    expect(log).toContain('serving initial configuration');
    const body = await new Promise<string>((res, rej) => {
      get({ host: '127.0.0.1', port, path: '/', agent: false }, (resp) => {
        let b = '';
        resp.setEncoding('utf8').on('data', (d: string) => (b += d)).on('end', () => res(`${resp.statusCode} ${b}`));
      }).on('error', rej);
    });
    expect(body).toBe('200 from one file');
    expect(log).not.toMatch(/Warning|ExperimentalWarning|No such built-in module/);
  });
});
