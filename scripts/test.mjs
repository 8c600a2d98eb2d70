#!/usr/bin/env node
// The one test command (README and .ci/run): system packages, a fresh bundle
// and dist/tsweb made from it (the end-to-end tests spawn the executable; an
// unchanged bundle reuses the last one), then vitest. Ends with `N passed, N failed` on a
// line of its own because CI reads that line, not vitest's summary.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit' }).status ?? 1;

if (run('bash', ['scripts/system-deps.sh']) !== 0) process.exit(1);
if (run(process.execPath, ['scripts/build.mjs']) !== 0) process.exit(1);

const report = 'dist/vitest-report.json';
rmSync(report, { force: true });
const vitest = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const status = run(process.execPath, [
  vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2),
]);

let passed = 0, failed = 0;
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0) + r.numFailedTestSuites;
} catch {
  failed = Math.max(1, failed);
}
if (status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(status !== 0 || failed > 0 ? 1 : 0);
