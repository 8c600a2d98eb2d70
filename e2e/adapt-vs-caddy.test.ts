import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adaptCaddyfile } from '../src/adapt/index.js';

// The real Caddy (Debian's caddy package, 2.6.2) is the oracle: for these
// realistic Caddyfiles `tsweb adapt` must produce the same JSON config.
// Only inputs whose output did not change between Caddy 2.6.2 and the newest
// Caddy are here (the newest one is measured by `npm run conformance`).
const dir = path.join(import.meta.dirname, 'fixtures', 'differential');
const files = readdirSync(dir).filter((f) => f.endsWith('.Caddyfile'));

function caddyAdapt(file: string): unknown {
  const out = execFileSync('caddy', ['adapt', '--config', file], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out);
}

describe('tsweb adapt agrees with caddy adapt', () => {
  it('has fixtures', () => expect(files.length).toBeGreaterThan(10));
  it.each(files)('%s', (file) => {
    const input = readFileSync(path.join(dir, file), 'utf8');
    const { config } = adaptCaddyfile(input, file, { env: {} });
    expect(JSON.parse(JSON.stringify(config))).toEqual(caddyAdapt(file));
  });
});

describe('Caddyfile.example', () => {
  it('adapts without warnings, exactly as caddy adapts it', () => {
    const root = path.join(import.meta.dirname, '..');
    const input = readFileSync(path.join(root, 'Caddyfile.example'), 'utf8');
    const { config, warnings } = adaptCaddyfile(input, 'Caddyfile.example', { env: {} });
    expect(warnings).toEqual([]);
    const caddy = JSON.parse(execFileSync('caddy', ['adapt', '--config', 'Caddyfile.example'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(JSON.parse(JSON.stringify(config))).toEqual(caddy);
  });
});
