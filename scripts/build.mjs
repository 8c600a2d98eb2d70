#!/usr/bin/env node
// Bundles the CLI into one CommonJS file (a Node SEA main must be CJS, without
// top-level await), the conformance runner beside it, then makes the
// executable dist/tsweb from the bundle (scripts/sea.mjs). Cross targets are
// opt-in: `npm run build -- --targets linux-arm64,win-x64`.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { relative } from 'node:path';
import { buildSea, parseTargets } from './sea.mjs';

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

const cli = await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/tsweb.cjs',
  banner: { js: '#!/usr/bin/env node' },
  metafile: true,
});
checkRequires(cli.metafile, 'dist/tsweb.cjs');
await build({ ...common, entryPoints: ['scripts/conformance.ts'], outfile: 'dist/conformance.cjs' });

// The executable's bundle carries the plain bundle's text: inside a SEA there
// is no file of ours on disk, and a request worker thread (`workers N`,
// src/cli/workers.ts) needs the engine's code as a string to evaluate.
const workerSource = readFileSync('dist/tsweb.cjs', 'utf8').replace(/^#!.*\n/, '');
await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/tsweb-sea.cjs',
  sourcemap: false,
  define: { __TSWEB_WORKER_SOURCE__: JSON.stringify(workerSource) },
});

for (const b of await buildSea('dist/tsweb-sea.cjs', parseTargets(process.argv.slice(2)))) {
  console.log(`build: ${relative(process.cwd(), b.out)} (${b.target}) ${(b.bytes / 1e6).toFixed(1)} MB in ${(b.ms / 1000).toFixed(1)} s`);
}
