// The executable's bundle defers heavy packages (scripts/lazy-modules.mjs):
// their module bodies run on first use instead of at every start, and code
// using them sees no difference. Checked on a bundle built the way
// scripts/build.mjs builds dist/tsweb.cjs, run by node.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const fixtures = join(import.meta.dirname, 'fixtures', 'lazy');
const dir = mkdtempSync(join(tmpdir(), 'tsweb-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type PluginFactory = (modules?: string[], from?: string) => Plugin;
const { lazyModulesPlugin, lazyModules } = (await import(pathToFileURL(join(root, 'scripts', 'lazy-modules.mjs')).href)) as {
  lazyModulesPlugin: PluginFactory;
  lazyModules: string[];
};

async function runBundle(plugins: Plugin[]): Promise<Record<string, unknown>> {
  const outfile = join(dir, `out-${plugins.length}.cjs`);
  await build({ entryPoints: [join(fixtures, 'entry.mjs')], bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'error', plugins });
  const r = spawnSync(process.execPath, [outfile], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('lazy modules in the bundle', () => {
  it('runs a listed package on first use, and its exports behave as without the plugin', async () => {
    const plain = await runBundle([]);
    const lazy = await runBundle([lazyModulesPlugin(['./heavy.mjs', './heavy_cjs.cjs'], fixtures)]);
    // Without the plugin both bodies ran when the bundle loaded.
    expect(plain.before).toEqual([1, 1]);
    // With it, neither had run; the first call loads the ESM one, `new` the CommonJS one, once each.
    expect(lazy.before).toEqual([0, 0]);
    expect(lazy.afterUse).toBe(1);
    expect(lazy.cjsBefore).toBe(0);
    expect(lazy.loads).toEqual([1, 1]);
    // Calls, `new`, instanceof, static and plain properties, error subclasses, constants: the same answers.
    const same = ({ before, afterUse, cjsBefore, ...rest }: Record<string, unknown>) => (void [before, afterUse, cjsBefore], rest);
    expect(same(lazy)).toEqual(same(plain));
    expect(same(lazy)).toEqual({
      version: '1.2.3',
      double: 42,
      hello: 'hello a',
      isThing: true,
      made: 1,
      errorChain: [true, true, 'x'],
      table: 1,
      pool: ['http://x', true, 1],
      helper: 'helped',
      namespace: [4, 'function'],
      loads: [1, 1],
    });
  });

  it('lists packages that resolve from the repository', () => {
    const req = createRequire(join(root, 'package.json'));
    for (const spec of lazyModules) expect(() => req.resolve(spec), spec).not.toThrow();
  });
});
