#!/usr/bin/env node
// Fuzzes the Caddyfile front end for a bounded time and prints what it found,
// by class. Inputs are the suite's (test/caddyfile/fuzz/caddyfiles.ts):
// grammar-aware generated Caddyfiles and mutations of the repo's Caddyfiles
// (plus ../shared/conformance/caddyfile-adapt when present).
//
//   npm run fuzz                          tsweb's own properties (internal errors,
//                                         time bounds, fmt idempotent / meaning)
//   npm run fuzz -- --against caddy       also `caddy adapt` on every input, and
//                                         `caddy fmt` where tsweb's fmt changes meaning
// Options: --seconds N (default 60), --seed N, --jobs N (parallel caddy
// processes, default: CPUs), --examples N (per class, default 2),
// --keep DIR (write the shortest input of each class there).
// Rerun it when the grammar changes; it stops by itself and removes its
// temporary files.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

function options(argv) {
  const o = { against: '', seconds: 60, seed: Date.now() % 1e9, jobs: availableParallelism(), examples: 2, keep: '' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--against') o.against = value();
    else if (flag === '--seconds') o.seconds = Number(value());
    else if (flag === '--seed') o.seed = Number(value());
    else if (flag === '--jobs') o.jobs = Number(value());
    else if (flag === '--examples') o.examples = Number(value());
    else if (flag === '--keep') o.keep = value();
    else {
      console.error(`unknown option ${argv[i]}\nusage: npm run fuzz -- [--against caddy] [--seconds N] [--seed N] [--jobs N] [--examples N] [--keep DIR]`);
      process.exit(2);
    }
  }
  if (o.against !== '' && o.against !== 'caddy') {
    console.error(`--against: only "caddy" is known, got ${o.against}`);
    process.exit(2);
  }
  if (!(o.seconds > 0) || !(o.jobs > 0)) {
    console.error('--seconds and --jobs must be positive');
    process.exit(2);
  }
  return o;
}

const opts = options(process.argv.slice(2));
const tmp = mkdtempSync(join(tmpdir(), 'tsweb-fuzz-'));
const cleanup = () => rmSync(tmp, { recursive: true, force: true });
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

// The generators and checks are TypeScript: bundle them once into the temp dir.
const bundle = join(tmp, 'fuzz.cjs');
await build({
  entryPoints: [join(root, 'test/caddyfile/fuzz/caddyfiles.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: bundle,
  loader: { '.ohm': 'text' },
  logLevel: 'warning',
});
const fz = createRequire(import.meta.url)(bundle);
const fc = fz.fc;

const seeds = fz.seedCaddyfiles(root);
const conformance = join(root, '../shared/conformance/caddyfile-adapt');
if (existsSync(conformance)) {
  for (const f of readdirSync(conformance).sort()) {
    if (!f.endsWith('.caddyfiletest')) continue;
    const text = readFileSync(join(conformance, f), 'utf8');
    const cut = text.indexOf('\n----------');
    if (cut > 0) seeds.push(text.slice(0, cut + 1));
  }
}
const mutated = fz.mutatedCaddyfile(seeds);

/** Endless inputs: generated and mutated by turns, in seeded batches. */
function* inputs() {
  for (let batch = 0; ; batch++) {
    const arb = batch % 2 === 0 ? fz.generatedCaddyfile : mutated;
    const kind = batch % 2 === 0 ? 'generated' : 'mutated';
    for (const input of fc.sample(arb, { seed: opts.seed + batch, numRuns: 100 })) yield { input, kind };
  }
}

const shape = (s) =>
  s
    .split('\n')[0]
    .replace(/'[^']*'|"[^"]*"/g, "'…'")
    .replace(/\d+/g, 'N')
    .slice(0, 90);

const classes = new Map();
function record(cls, input, detail) {
  let c = classes.get(cls);
  if (!c) classes.set(cls, (c = { count: 0, examples: [] }));
  c.count++;
  if (c.examples.some((e) => e.input === input)) return;
  c.examples.push({ input, detail });
  c.examples.sort((a, b) => a.input.length - b.input.length);
  c.examples.length = Math.min(c.examples.length, opts.examples);
}

function run(cmd, args, stdin, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => {});
    child.stdin.end(stdin ?? '');
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: String(err), timedOut });
    });
  });
}

/** `caddy adapt` of one input: { ok, config } or { ok: false, error }, or a timeout/crash class. */
async function caddyAdapt(input, n) {
  const file = join(tmp, `in-${n}.caddyfile`);
  writeFileSync(file, input);
  const r = await run('caddy', ['adapt', '--config', file, '--adapter', 'caddyfile'], '', 20_000);
  rmSync(file, { force: true });
  if (r.timedOut) return { crash: 'caddy adapt timed out (20 s)' };
  if (/^panic:|goroutine \d+ \[running\]/m.test(r.stderr)) return { crash: `caddy adapt panicked: ${shape(r.stderr.match(/panic:.*/)?.[0] ?? '')}` };
  if (r.code !== 0) {
    const line = r.stderr.split('\n').find((l) => l.startsWith('Error: ')) ?? r.stderr.split('\n')[0];
    return { ok: false, error: line.replace(/^Error: /, '').replaceAll(file, 'Caddyfile') };
  }
  try {
    return { ok: true, config: JSON.parse(r.stdout) };
  } catch {
    return { crash: 'caddy adapt printed no JSON' };
  }
}

async function caddyFmt(input, n) {
  const file = join(tmp, `fmt-${n}.caddyfile`);
  writeFileSync(file, input);
  const r = await run('caddy', ['fmt', file], '', 20_000);
  rmSync(file, { force: true });
  return r.code === 0 && !r.timedOut ? r.stdout : null;
}

/** Key-order-independent JSON, and the first path where two values differ. */
function firstDifference(a, b, path = '') {
  const stack = [[a, b, path]];
  while (stack.length) {
    const [x, y, p] = stack.pop();
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null || Array.isArray(x) !== Array.isArray(y)) return p || '(root)';
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    const pending = [];
    for (const k of [...keys].sort()) {
      if (!(k in x) || !(k in y)) return `${p}.${k}`;
      pending.push([x[k], y[k], Array.isArray(x) ? `${p}[*]` : `${p}.${k}`]);
    }
    stack.push(...pending.reverse());
  }
  return null;
}

const against = opts.against === 'caddy';
if (against) {
  const v = await run('caddy', ['version'], '', 10_000);
  if (v.code !== 0) {
    console.error('caddy not found on PATH (needed for --against caddy)');
    process.exit(2);
  }
  console.log(`against caddy ${v.stdout.trim()}`);
}
console.log(`fuzzing for ${opts.seconds} s, seed ${opts.seed}, ${seeds.length} seed files${against ? `, ${opts.jobs} caddy jobs` : ''}`);

const started = performance.now();
const deadline = started + opts.seconds * 1000;
// Stop by ourselves even if something hangs: the deadline plus the longest subprocess timeout.
setTimeout(() => {
  console.error('fuzz: hard deadline reached, stopping');
  report();
  process.exit(1);
}, opts.seconds * 1000 + 60_000).unref();

let total = 0;
let tswebMs = 0;
let agreed = 0;
const stream = inputs();

async function worker() {
  while (performance.now() < deadline) {
    const { input, kind } = stream.next().value;
    const n = total++;
    const t = performance.now();
    const r = fz.checkInput(input, true);
    tswebMs += performance.now() - t;
    const keeps = fz.caddyFmtKeepsMeaning(input);
    let fmtMeaning = false;
    for (const p of r.problems) {
      if (p.startsWith('fmt changes what the file adapts to')) fmtMeaning = true;
      else if (p.startsWith('fmt is not idempotent')) record(`tsweb: fmt not idempotent (${r.adapted.ok ? 'valid' : 'invalid'} input)`, input, p);
      else if (/ took \d+ ms$/.test(p)) record(`tsweb: ${p.split(' ')[0]} over ${fz.STEP_BOUND_MS} ms`, input, p);
      else record(`tsweb: internal error in ${p.split(':')[0]}`, input, p.slice(0, 2000));
    }
    if (!against) {
      if (fmtMeaning) record(`tsweb: fmt changes meaning (${keeps ? 'words Caddy fmt keeps' : 'words Caddy fmt rewrites too'})`, input, r.problems.join('\n'));
      if (r.problems.length === 0) agreed++;
      continue;
    }
    const c = await caddyAdapt(input, n);
    const a = r.adapted;
    if (c.crash) record(c.crash, input, '');
    else if (a.error === 'internal') {
      // recorded above
    } else if (c.ok && a.ok) {
      const diff = firstDifference(c.config, a.config);
      if (diff === null) agreed++;
      else record(`config differs at ${diff.replace(/\[\*\]/g, '[]').slice(0, 100)}`, input, `caddy: ${JSON.stringify(c.config).slice(0, 600)}\ntsweb: ${JSON.stringify(a.config).slice(0, 600)}`);
    } else if (c.ok) record(`tsweb rejects, caddy accepts: ${shape(a.error)}`, input, a.error);
    else if (a.ok) record(`caddy rejects, tsweb accepts: ${shape(c.error)}`, input, c.error);
    else agreed++;
    if (fmtMeaning) {
      // Does Caddy's own formatter change this file's meaning too?
      const cf = await caddyFmt(input, n);
      const cAfter = cf === null ? { crash: 'fmt' } : await caddyAdapt(cf, n);
      const caddyKeeps = c.ok && cAfter.ok && firstDifference(c.config, cAfter.config) === null;
      const verdict = !c.ok ? 'Caddy rejects the input' : caddyKeeps ? "Caddy's fmt keeps it: tsweb bug" : "Caddy's fmt changes it too";
      record(`fmt changes meaning (${verdict})`, input, r.problems.join('\n').slice(0, 1500));
    }
    void kind;
  }
}

function report() {
  const secs = (performance.now() - started) / 1000;
  console.log(`\n${total} inputs in ${secs.toFixed(1)} s: ${(total / secs).toFixed(1)} inputs/s end to end; tsweb alone ${(total / (tswebMs / 1000)).toFixed(0)} inputs/s (adapt+validate+fmt x2+re-adapt)`);
  console.log(`${agreed} without findings${against ? ' (tsweb and caddy agree)' : ''}; ${classes.size} classes:`);
  const sorted = [...classes].sort((a, b) => b[1].count - a[1].count);
  for (const [cls, c] of sorted) {
    console.log(`\n[${c.count}] ${cls}`);
    for (const e of c.examples) {
      console.log(`  input: ${JSON.stringify(e.input).slice(0, 400)}`);
      if (e.detail) console.log(`  ${e.detail.split('\n').slice(0, 4).join('\n  ').slice(0, 500)}`);
    }
  }
  if (opts.keep) {
    mkdirSync(opts.keep, { recursive: true });
    sorted.forEach(([cls, c], i) => {
      const name = join(opts.keep, String(i).padStart(3, '0'));
      writeFileSync(`${name}.caddyfile`, c.examples[0].input);
      writeFileSync(`${name}.txt`, `${cls}\n\n${c.examples[0].detail}\n`);
    });
    console.log(`\nshortest input per class written to ${opts.keep}`);
  }
}

await Promise.all(Array.from({ length: against ? opts.jobs : 1 }, worker));
report();
process.exit(0);
