#!/usr/bin/env node
// Bundles the CLI into one CommonJS file (a Node SEA main must be CJS, without
// top-level await), the conformance runner beside it, then makes the
// executable dist/tsweb from the bundle (scripts/sea.mjs). Cross targets are
// opt-in: `npm run build -- --targets linux-arm64,win-x64`.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { lazyModulesPlugin } from './lazy-modules.mjs';
import { buildSea, parseTargets, pinnedNode } from './sea.mjs';

// Optional extras a dependency require()s inside try/catch. Inside a SEA,
// require() knows only builtins and a failed attempt prints a warning even
// when caught, so they are bundled as empty modules instead.
const absentInSea = ['supports-color'];
const absentPlugin = {
  name: 'absent-in-sea',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${absentInSea.join('|')})$`) }, (a) => ({ path: a.path, namespace: 'absent-in-sea' }));
    b.onLoad({ filter: /.*/, namespace: 'absent-in-sea' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  loader: { '.ohm': 'text' },
  logLevel: 'warning',
  sourcemap: 'linked',
  plugins: [absentPlugin],
};

// Builtins as the pinned Node knows them, not the Node running this script:
// an older one does not know `node:sqlite`, which undici requires lazily.
const builtins = new Set(JSON.parse(spawnSync(pinnedNode().bin, ['-p', 'JSON.stringify(require("node:module").builtinModules)'], { encoding: 'utf8' }).stdout));
const isBuiltin = (name) => builtins.has(name) || builtins.has(name.replace(/^node:/, ''));

/**
 * Fails the build when the bundle still require()s something a SEA cannot
 * load: a non-builtin left external, or a require() of a computed name.
 */
function checkRequires(metafile, out) {
  const problems = metafile.outputs[out].imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => `require("${i.path}")`);
  const text = readFileSync(out, 'utf8');
  for (const m of text.matchAll(/(?<![\w$.])require\s*\((?!\s*(["'])[^"'\n]*\1\s*\))/g)) {
    const line = text.slice(0, m.index).split('\n').length;
    problems.push(`${out}:${line}: require of a computed name: ${text.slice(m.index, m.index + 60).split('\n')[0]}`);
  }
  if (problems.length) {
    process.stderr.write(`build: the SEA can only require() builtins; bundle these or add them to absentInSea:\n  ${problems.join('\n  ')}\n`);
    process.exit(1);
  }
}

// The executable's bundles defer the packages scripts/lazy-modules.mjs lists
// and carry the Caddyfile grammar compiled (src/caddyfile/structure.ts): start-up time.
const { grammar: ohmGrammar } = await import('ohm-js');
const cliCommon = {
  ...common,
  plugins: [...common.plugins, lazyModulesPlugin()],
  define: { __TSWEB_CADDYFILE_RECIPE__: JSON.stringify(ohmGrammar(readFileSync('caddyfile-grammar/caddyfile.ohm', 'utf8')).toRecipe()) },
};

const cli = await build({
  ...cliCommon,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/tsweb.cjs',
  banner: { js: '#!/usr/bin/env node' },
  metafile: true,
});
checkRequires(cli.metafile, 'dist/tsweb.cjs');
await build({ ...common, entryPoints: ['scripts/conformance.ts'], outfile: 'dist/conformance.cjs' });

// The executable's bundle: the same code without a source map (nothing of
// ours is on disk beside the binary). sea.mjs also stores it as the request
// worker threads' source, with its code cache.
await build({ ...cliCommon, entryPoints: ['src/cli/main.ts'], outfile: 'dist/tsweb-sea.cjs', sourcemap: false });

for (const b of await buildSea('dist/tsweb-sea.cjs', parseTargets(process.argv.slice(2)))) {
  console.log(`build: ${relative(process.cwd(), b.out)} (${b.target}) ${(b.bytes / 1e6).toFixed(1)} MB in ${(b.ms / 1000).toFixed(1)} s`);
}
