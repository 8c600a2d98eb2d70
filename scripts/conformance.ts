/**
 * `npm run conformance -- DIR [--filter SUBSTR]`: runs Caddy's Caddyfile→JSON
 * golden files (*.caddyfiletest, *.txt) in DIR through tsweb's adapter and
 * prints `PASS name` / `FAIL name: reason` per file, then `N passed, M failed`.
 *
 * Like Caddy's runner, each Caddyfile is adapted as a file named `Caddyfile`
 * from DIR's parent directory (Caddy runs in caddytest/integration, so
 * `import testdata/...` resolves there), with an empty environment.
 * Exit status: 0 whatever the pass count (the count is the measure), 1 when
 * DIR cannot be read, 2 for usage errors.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import '../src/modules/index.js';
import { adaptCaddyfile } from '../src/adapt/index.js';
import { type GoldenResult, runGolden, splitGolden } from '../src/conformance/golden.js';

const usage = `Usage: npm run conformance -- DIR [--filter SUBSTR]

Runs Caddy's Caddyfile adapt golden files in DIR (*.caddyfiletest and *.txt:
a Caddyfile, a line of ten dashes, then the expected JSON or a substring of
the expected error) and prints one PASS/FAIL line per file and a summary.
`;

function parseArgs(argv: string[]): { dir: string; filter: string } | string {
  let dir = '';
  let filter = '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') return '';
    if (a === '--filter' || a.startsWith('--filter=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) return 'flag needs an argument: --filter';
      filter = v;
    } else if (a.startsWith('-')) {
      return `unknown flag: ${a}`;
    } else if (dir === '') {
      dir = a;
    } else {
      return `unexpected argument: ${a}`;
    }
  }
  if (dir === '') return 'the directory of golden files is required';
  return { dir, filter };
}

function main(argv: string[]): number {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    if (args === '') {
      process.stdout.write(usage);
      return 0;
    }
    process.stderr.write(`Error: ${args}\n\n${usage}`);
    return 2;
  }
  const dir = resolve(args.dir);
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir)
      .filter((n) => (n.endsWith('.caddyfiletest') || n.endsWith('.txt')) && n.includes(args.filter))
      .sort();
  } catch (err) {
    process.stderr.write(`Error: reading ${args.dir}: ${(err as Error).message}\n`);
    return 1;
  }

  process.chdir(dirname(dir));
  const adapt = (caddyfile: string) => adaptCaddyfile(caddyfile, 'Caddyfile', { env: {} });
  let passed = 0;
  let failed = 0;
  for (const name of names) {
    let result: GoldenResult;
    try {
      result = runGolden(splitGolden(name, readFileSync(join(dir, name), 'utf8')), adapt);
    } catch (err) {
      result = { name, pass: false, reason: `bad golden file: ${(err as Error).message}` };
    }
    if (result.pass) passed++;
    else failed++;
    process.stdout.write(result.pass ? `PASS ${name}\n` : `FAIL ${name}: ${result.reason}\n`);
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
