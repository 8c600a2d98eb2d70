// Turns the CommonJS bundle into one executable per target: a Node single
// executable application (SEA). The blob is made by the pinned Node (the npm
// package `node`, never whatever `node` runs this script: /usr/bin/node may be
// another major, and a blob injected into a different version crashes), then
// injected with postject into a stripped copy of a Node binary of that same
// version: the pinned one for the host, the npm registry's `node-<os>-<arch>`
// package for a cross target. pkg-fetch is not used: its download host is
// unreachable from here and it only knows Node <= 19.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
/** Stripped base binaries, downloaded cross binaries and build stamps. */
const cache = join(root, 'dist', '.sea');
const fuse = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** `linux-x64`, `win-x64`: the npm registry's `node-<os>-<arch>` naming. */
export const hostTarget = `${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;

/** The Node the project pins, as installed by npm. */
export function pinnedNode() {
  const dir = dirname(require.resolve('node/package.json'));
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return { version, bin: join(dir, 'bin', process.platform === 'win32' ? 'node.exe' : 'node') };
}

/** `--targets linux-arm64,win-x64` (or `--targets=…`) → the host plus those, host first. */
export function parseTargets(argv) {
  const targets = [hostTarget];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const list = a === '--targets' ? argv[++i] : a.startsWith('--targets=') ? a.slice(10) : undefined;
    if (list === undefined) continue;
    for (const t of list.split(',').map((s) => s.trim()).filter(Boolean)) if (!targets.includes(t)) targets.push(t);
  }
  return targets;
}

export function outputFor(target) {
  if (target === hostTarget) return join(root, 'dist', target.startsWith('win-') ? 'tsweb.exe' : 'tsweb');
  return join(root, 'dist', `tsweb-${target}${target.startsWith('win-') ? '.exe' : ''}`);
}

const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/** Files are written under a private name and renamed: concurrent builds and running binaries never see half a file. */
const tmpName = (dest) => `${dest}.${process.pid}.${Date.now()}.tmp`;

function run(cmd, args, what, env = process.env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env });
  if (r.error || r.status !== 0) throw new Error(`${what} failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

/** The unmodified Node binary for a target, same version as the pinned one. */
function baseBinary(target, node) {
  if (target === hostTarget) return node.bin;
  if (target.startsWith('darwin-')) throw new Error(`${target}: a macOS SEA must be re-signed with codesign, which this build cannot do`);
  const exe = target.startsWith('win-') ? 'node.exe' : 'node';
  const dir = join(cache, `node-${target}-${node.version}`);
  const bin = join(dir, 'package', 'bin', exe);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  // npm checks the tarball against the registry's integrity hash.
  const pkg = `node-${target}@${node.version}`;
  const out = run('npm', ['pack', pkg, '--silent', '--pack-destination', dir], `npm pack ${pkg}`).trim().split('\n').pop();
  const tgz = join(dir, out);
  run('tar', ['-xzf', tgz, '-C', dir, `package/bin/${exe}`], `unpacking ${tgz}`);
  rmSync(tgz, { force: true });
  if (!existsSync(bin)) throw new Error(`${pkg} has no bin/${exe}`);
  return bin;
}

/**
 * A stripped copy of the base, cached per version and target (stripping takes
 * ~1 s). ELF only: llvm-strip knows every architecture, GNU strip only the
 * host's. Windows' node.exe carries no symbols (they ship as a separate .pdb).
 */
export function strippedBase(target, node) {
  const src = baseBinary(target, node);
  const win = target.startsWith('win-');
  const dest = join(cache, `base-${target}-${node.version}${win ? '.exe' : ''}`);
  if (existsSync(dest)) return dest;
  mkdirSync(cache, { recursive: true });
  const tmp = tmpName(dest);
  let stripped = win;
  if (win) copyFileSync(src, tmp);
  else {
    for (const tool of ['llvm-strip', 'strip']) {
      const r = spawnSync(tool, ['-o', tmp, src], { encoding: 'utf8' });
      if (r.status === 0) {
        stripped = true;
        break;
      }
    }
    if (!stripped) {
      process.stderr.write(`sea: no strip tool handles ${target}; using the unstripped binary\n`);
      copyFileSync(src, tmp);
    }
  }
  renameSync(tmp, dest);
  return dest;
}

/**
 * The SEA's code: the bundle, stored once as an asset wrapped as a function
 * of CommonJS's five arguments, with V8's code cache for it, and a small main
 * script (`boot`) that compiles it with that cache and runs it. The main
 * thread runs `boot` as the SEA's main; a request worker thread, which has no
 * file of ours on disk to run, gets the same text as its eval'd source
 * (src/cli/workers.ts). Node's own `useCodeCache` is not used: it caches
 * what compiling alone produces (the top level; the module bodies esbuild
 * wraps in functions compile lazily, at every start). This cache is made
 * after a training run (validating a Caddyfile), so it also holds the
 * functions a start runs. A cache V8 rejects (or none, in a
 * cross-built binary) only costs compile time.
 */
export const seaAssets = { source: 'tsweb.js', cache: 'tsweb.cache', boot: 'tsweb-boot.js' };
const scriptName = 'tsweb.cjs';
const boot = `{
  const { getAsset, getRawAsset } = require('node:sea');
  let cachedData;
  try { cachedData = Buffer.from(getRawAsset('${seaAssets.cache}')); } catch {}
  const script = new (require('node:vm').Script)(getAsset('${seaAssets.source}', 'utf8'), { filename: '${scriptName}', cachedData });
  script.runInThisContext()(exports, require, module, __filename, __dirname);
}
`;

/** The training: runs the wrapped bundle as the CLI with these arguments, then saves the code cache. */
const trainer = `const fs = require('node:fs'), vm = require('node:vm');
const [src, out, ...args] = process.argv.slice(1);
const script = new vm.Script(fs.readFileSync(src, 'utf8'), { filename: ${JSON.stringify(scriptName)} });
process.argv = [process.execPath, process.execPath, ...args];
script.runInThisContext()(exports, require, module, __filename, __dirname);
process.once('beforeExit', () => fs.writeFileSync(out, script.createCachedData()));
`;

function writeCodeAssets(bundle, node, codeCache, base) {
  const src = `(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, 'utf8').replace(/^#!.*/, '')}\n})`;
  const assets = { [seaAssets.source]: `${base}.js`, [seaAssets.boot]: `${base}.boot.js` };
  writeFileSync(assets[seaAssets.source], src);
  writeFileSync(assets[seaAssets.boot], boot);
  if (codeCache) {
    assets[seaAssets.cache] = `${base}.cache`;
    // The training validates a Caddyfile (adapt and provision, nothing
    // listens or is written), in a directory of its own as HOME.
    const home = `${base}.home`;
    mkdirSync(home);
    const caddyfile = join(home, 'Caddyfile');
    writeFileSync(caddyfile, '{\n\tadmin off\n\tauto_https off\n}\n:8080 {\n\troute /api/* {\n\t\treverse_proxy localhost:9000\n\t}\n\tencode gzip\n\tfile_server\n\trespond /x "ok"\n}\n');
    try {
      run(node.bin, ['-e', trainer, assets[seaAssets.source], assets[seaAssets.cache], 'validate', '--config', caddyfile], 'making the code cache', {
        ...process.env,
        HOME: home,
        XDG_DATA_HOME: home,
        XDG_CONFIG_HOME: home,
      });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    // A cache V8 rejects would go unnoticed but for a slower start: checked in a fresh process.
    const check = `const fs = require('node:fs'), vm = require('node:vm');
      const s = new vm.Script(fs.readFileSync(process.argv[1], 'utf8'), { filename: ${JSON.stringify(scriptName)}, cachedData: fs.readFileSync(process.argv[2]) });
      if (s.cachedDataRejected) { process.stderr.write('V8 rejected the code cache'); process.exit(1); }`;
    run(node.bin, ['-e', check, assets[seaAssets.source], assets[seaAssets.cache]], 'checking the code cache');
  }
  return assets;
}

/**
 * V8's code cache is only valid for the build of V8 that made it, so only
 * the host's blob has one; cross targets get a blob without (Node's rule for
 * blobs shared across platforms of one version).
 */
export function makeBlob(bundle, node, codeCache) {
  mkdirSync(cache, { recursive: true });
  const blob = tmpName(join(cache, 'tsweb.blob'));
  const config = `${blob}.json`;
  const assets = writeCodeAssets(bundle, node, codeCache, blob);
  writeFileSync(
    config,
    JSON.stringify({ main: assets[seaAssets.boot], output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false, assets }),
  );
  try {
    run(node.bin, ['--experimental-sea-config', config], 'making the SEA blob');
    return readFileSync(blob);
  } finally {
    for (const f of [config, blob, ...Object.values(assets)]) rmSync(f, { force: true });
  }
}

/**
 * Builds the executable for each target from `bundle`. A target whose bundle,
 * base binary and this script are unchanged since its last build is skipped
 * (postject rewrites ~100 MB and takes seconds; `npm test` builds every time).
 * Returns what was built, for the caller to report.
 */
export async function buildSea(bundle, targets) {
  const node = pinnedNode();
  const inputs = sha256(readFileSync(bundle), node.version, readFileSync(new URL(import.meta.url)));
  const blobs = new Map();
  const built = [];
  for (const target of targets) {
    const out = outputFor(target);
    const stamp = join(cache, `${target}.stamp`);
    // The stamp names the inode it was written for: if a concurrent build
    // renamed another binary over ours, the next build redoes it.
    const key = sha256(inputs, target);
    if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === `${key} ${statSync(out).ino}`) continue;
    const started = Date.now();
    const codeCache = target === hostTarget;
    if (!blobs.has(codeCache)) blobs.set(codeCache, makeBlob(bundle, node, codeCache));
    const base = strippedBase(target, node);
    const tmp = tmpName(out);
    copyFileSync(base, tmp);
    chmodSync(tmp, 0o755);
    await inject(tmp, blobs.get(codeCache));
    const { ino } = statSync(tmp);
    renameSync(tmp, out);
    const stampTmp = tmpName(stamp);
    writeFileSync(stampTmp, `${key} ${ino}`);
    renameSync(stampTmp, stamp);
    built.push({ target, out, bytes: statSync(out).size, ms: Date.now() - started });
  }
  return built;
}

/** postject's API; its LIEF core reports harmless ELF note warnings on stdout/stderr, kept out of build logs. */
export async function inject(file, blob) {
  const { inject: postject } = require('postject');
  const quiet = (write) => (chunk, ...rest) => (/^warning: Can't find string offset/.test(String(chunk)) ? true : write(chunk, ...rest));
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = quiet(out);
  process.stderr.write = quiet(err);
  try {
    await postject(file, 'NODE_SEA_BLOB', blob, { sentinelFuse: fuse });
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}
