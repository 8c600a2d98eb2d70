#!/usr/bin/env node
// Bundles the CLI into one CommonJS file (a Node SEA main must be CJS) and the
// conformance runner beside it. Fast enough (~100 ms) to run before every test.
import { build } from 'esbuild';
const common = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  loader: { '.ohm': 'text' },
  logLevel: 'warning',
  sourcemap: 'linked',
};
await build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/tsweb.cjs', banner: { js: '#!/usr/bin/env node' } });
await build({ ...common, entryPoints: ['scripts/conformance.ts'], outfile: 'dist/conformance.cjs' });
