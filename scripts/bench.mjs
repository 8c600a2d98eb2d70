#!/usr/bin/env node
// Benchmarks: `npm run bench [-- NAME... ] [--runs N] [--cli PATH] [--workers LIST]`
// (default: all; 5 runs, static and proxy 3). --workers runs several tsweb
// variants side by side in static and proxy, e.g. `--workers 1,thread:2,process:2`:
// N alone is the `workers N` option; DESIGN:N also sets TSWEB_WORKERS_DESIGN
// (thread|process), which runs the supervisor even for 1 worker. Each variant
// is interleaved with the others and reported with its RSS (whole process
// tree, after its runs). --cli runs another tsweb bundle (an older build,
// to compare before/after a change); the in-process benchmarks use this tree.
// Each benchmark reports medians and a ratio against a reference measured in
// the same invocation on the same machine, so numbers compare across runs.
//
//   adapt   a generated 1,000-site Caddyfile: `tsweb adapt` as a process
//           (dist/tsweb.cjs, Node start-up included), adaptCaddyfile() in
//           process (after one warm-up), and `caddy adapt` (Debian's caddy).
//   static  a 1 KB and a 100 KB file served by `tsweb run` and `caddy run`
//           (same Caddyfile, access logs off), loaded with wrk (keep-alive,
//           50 connections, 2 threads); runs interleaved tsweb, caddy, ...;
//           median requests/s and p99 latency, ratio tsweb/caddy.
//   proxy   `reverse_proxy` to a backend answering 200 "ok" (nginx, one
//           worker, when installed; else a node:http process), through
//           tsweb with one worker and with `workers auto`, `caddy run`
//           (same Caddyfile, logs off) and nginx (upstream keepalive); wrk
//           (1 thread: keep-alive at 50 and 200 connections, Connection:
//           close at 50); runs interleaved direct, tsweb, caddy, nginx, ...;
//           median requests/s, p50, p99, CPU µs per request, RSS idle and
//           under load, paired ratios to caddy and to direct; then the same
//           with two upstreams and round_robin.
//   https   a 1 KB file over TLS from tsweb, caddy and nginx (one worker), one
//           ECDSA P-256 certificate for all (`tls cert key`): HTTP/1.1
//           keep-alive (wrk), HTTP/2 (h2load -c10 -m10) and full handshakes
//           per second (openssl s_time -new), interleaved; medians, ratios.
//   regexp  matcher patterns (path_regexp, header_regexp, vars_regexp) on
//           the engine src/go/regexp.ts picks, on re2js alone and on the old
//           V8 translation; ns per exec and ratios; a pathological pattern.
//   cel     the `expression` matcher (CEL, @marcbachmann/cel-js): ns per
//           match on a request Ctx for typical expressions against the same
//           test written as native matchers, and µs to compile each at load.
//   ratelimit  the plain proxy with and without a `rate_limit` zone (one worker
//           and `workers auto`), interleaved: the zone's cost in requests/s.
//   cache   a cache hit through `cache` + `reverse_proxy` against the same
//           2-byte answer from file_server, tsweb's and caddy's uncached
//           proxy and nginx proxy_cache (one worker each), interleaved.
//   startup dist/tsweb (the single executable): `version` wall time and
//           `run` from exec to the first byte of a served answer (polled
//           with raw TCP connects; default workers and `workers 1`), medians
//           and minimums over 20 runs interleaved with `caddy version` /
//           `caddy run`; `node dist/tsweb.cjs version` and `node -e 0` beside.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const builtCli = join(root, 'dist', 'tsweb.cjs');
let cli = builtCli;
const PER_RUN_TIMEOUT_MS = 120_000;

// ---------- helpers ----------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const ms = (x) => (x === undefined ? 'n/a' : `${x >= 100 ? x.toFixed(0) : x.toFixed(1)} ms`);

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r, ri) => {
      const line = r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('   ');
      return ri === 0 ? `${line}\n${'-'.repeat(line.length)}` : line;
    })
    .join('\n');
}

/** Wall time of a child process, `runs` times; throws with its stderr if it fails. */
function timeProcess(cmd, args, cwd, runs) {
  const times = [];
  let stdout = '';
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30, timeout: PER_RUN_TIMEOUT_MS });
    const t = performance.now() - t0;
    if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    times.push(t);
    stdout = r.stdout;
  }
  return { times, stdout };
}

function caddyVersion() {
  const r = spawnSync('caddy', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split(' ')[0] : '(unknown version)';
}

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}

/** First place where two JSON values differ ({path, a, b}), for a one-line sanity note; null if equal. */
function firstDiff(a, b, path = '') {
  const kind = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(a) !== kind(b)) return { path: path || '(top)', a, b };
  if (Array.isArray(a)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = firstDiff(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (kind(a) === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDiff(a[k], b[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return a === b ? null : { path, a, b };
}

const brief = (v) => {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

// ---------- adapt ----------

/**
 * 1,000 sites the way people write them: shared snippets and an imported
 * file, matchers, handle blocks, reverse_proxy with options and a transport,
 * header, encode, file_server, redir, respond. Only syntax Caddy 2.6.2 (the
 * reference) understands, so both sides do the same work.
 */
export function generateCaddyfile(sites) {
  const common = `(security_headers) {
	header {
		Strict-Transport-Security "max-age=31536000; includeSubDomains"
		X-Content-Type-Options nosniff
		Referrer-Policy strict-origin-when-cross-origin
		-Server
	}
}
`;
  const parts = [
    `{
	email ops@example.com
}

import common.caddy

(compress) {
	encode zstd gzip
}

(proxy_opts) {
	lb_policy round_robin
	health_uri /healthz
	header_up X-Real-IP {remote_host}
}
`,
  ];
  for (let i = 0; i < sites; i++) {
    const a = Math.floor(i / 250);
    const b = i % 250;
    const extra = [];
    if (i % 3 === 0) extra.push('\trespond /ping "pong" 200');
    if (i % 5 === 0) extra.push('\t@legacy path /v1/* /old/*\n\tredir @legacy https://site' + i + '.example.com/v2{uri} 308');
    if (i % 7 === 0) extra.push('\trequest_body /upload/* {\n\t\tmax_size 10MB\n\t}');
    parts.push(`site${i}.example.com, www.site${i}.example.com {
	import compress
	import security_headers
	@api path /api/*
	handle @api {
		reverse_proxy 10.0.${a}.${b}:8080 {
			import proxy_opts
		}
	}
	handle /static/* {
		root * /srv/site${i}
		file_server
	}
	handle {
		reverse_proxy 10.1.${a}.${b}:3000 10.2.${a}.${b}:3000 {
			lb_policy least_conn
			health_uri /health
			health_interval 10s
			transport http {
				dial_timeout 5s
			}
		}
	}
${extra.join('\n')}${extra.length ? '\n' : ''}	redir /old /new 301
}
`);
  }
  return { main: parts.join('\n'), common };
}

async function benchAdapt({ runs }) {
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-bench-'));
  try {
    const sites = 1000;
    const { main, common } = generateCaddyfile(sites);
    writeFileSync(join(dir, 'Caddyfile'), main);
    writeFileSync(join(dir, 'common.caddy'), common);
    const lines = main.split('\n').length;
    console.log(`adapt: ${sites.toLocaleString('en')} sites, ${lines.toLocaleString('en')} lines, ${(main.length / 1024).toFixed(0)} KiB (+ 1 imported file); ${runs} runs each\n`);

    // In process: the adapter alone, bundled as the CLI bundles it.
    const bundle = join(dir, 'adapt.mjs');
    await build({
      entryPoints: [join(root, 'src/adapt/index.ts')],
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'esm',
      loader: { '.ohm': 'text' },
      outfile: bundle,
      logLevel: 'warning',
    });
    const { adaptCaddyfile } = await import(pathToFileURL(bundle).href);
    const cwd = process.cwd();
    process.chdir(dir); // imports resolve against the working directory, as in the CLI
    const inproc = [];
    let cold;
    let adapted;
    try {
      for (let i = 0; i <= runs; i++) {
        const t0 = performance.now();
        adapted = adaptCaddyfile(main, 'Caddyfile', { env: process.env });
        const t = performance.now() - t0;
        if (i === 0) cold = t;
        else inproc.push(t);
      }
    } finally {
      process.chdir(cwd);
    }
    const serialized = JSON.stringify(adapted.config);

    const tsweb = timeProcess(process.execPath, [cli, 'adapt', '--config', 'Caddyfile'], dir, runs);
    if (tsweb.stdout.trim() !== serialized.replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)) {
      throw new Error('the CLI printed a different config than adaptCaddyfile returned');
    }

    let caddy;
    let note = '';
    if (hasCommand('caddy')) {
      caddy = timeProcess('caddy', ['adapt', '--config', 'Caddyfile'], dir, runs);
      const diff = firstDiff(JSON.parse(caddy.stdout), adapted.config);
      note =
        diff === null
          ? 'same JSON as caddy adapt'
          : `JSON differs from caddy ${caddyVersion()} (some version differences are expected); first at ${diff.path}: caddy ${brief(diff.a)}, tsweb ${brief(diff.b)}`;
    } else {
      note = 'caddy not installed: no reference measured';
    }

    const row = (name, xs) => [name, ms(median(xs)), ms(Math.min(...xs)), ms(Math.max(...xs))];
    const rows = [['', 'median', 'min', 'max'], row('tsweb adapt (process)', tsweb.times), row('tsweb adaptCaddyfile (in process, warm)', inproc)];
    rows.push(['tsweb adaptCaddyfile (in process, first run)', ms(cold), '', '']);
    if (caddy) rows.push(row('caddy adapt (process)', caddy.times));
    console.log(table(rows));
    console.log('');
    if (caddy) {
      const ratio = median(tsweb.times) / median(caddy.times);
      console.log(`ratio tsweb/caddy, process wall time: ${ratio.toFixed(2)}x (${ratio <= 1 ? 'tsweb faster or equal' : 'tsweb slower'})`);
    }
    console.log(note);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------- static ----------

const WRK = { connections: 50, threads: 2, seconds: 4, warmupSeconds: 1 };

/** A free loopback port (bound and released; the servers bind it right after). */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

/** Starts a server process; its output is kept (last lines) for error messages. */
function startServer(name, cmd, args, cwd, env = process.env) {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d) => {
    out = (out + d).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return { name, child, exited, output: () => out.trim().split('\n').slice(-3).join(' | ') };
}

/** Stops a server by its pid: SIGTERM, then SIGKILL if it lingers. */
async function stopServer(s) {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.kill('SIGTERM');
  const t = setTimeout(() => s.child.kill('SIGKILL'), 5000);
  await s.exited;
  clearTimeout(t);
}

/** Waits until `url` answers 200 (or the server exits, or 15 s pass). */
async function waitReady(s, url) {
  const deadline = Date.now() + 15_000;
  let exited = false;
  s.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${s.name} exited before serving: ${s.output()}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${s.name} did not serve ${url} within 15 s: ${s.output()}`);
}

const wrkUnits = { us: 1e-3, ms: 1, s: 1e3, m: 60e3 };

/** One wrk run: requests/s and p99 latency in ms. */
function runWrk(url, seconds, { threads, connections } = WRK) {
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--latency', url];
  const r = spawnSync('wrk', args, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  if (r.error) throw new Error(`wrk: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`wrk exited ${r.status}: ${r.stderr.trim()}`);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(r.stdout);
  if (!rps || !p99) throw new Error(`cannot read wrk's output: ${r.stdout}`);
  // Non-2xx answers or socket errors would make a fast server look faster than it is.
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout);
  if (non2xx) throw new Error(`${url}: ${non2xx[1]} non-2xx responses under load`);
  // Timeouts and resets are shown, not fatal: a proxy under 200 connections may drop some.
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout);
  const errors = sock ? sock.slice(1).reduce((n, x) => n + Number(x), 0) : 0;
  return { rps: Number(rps[1]), p99: Number(p99[1]) * wrkUnits[p99[2]], errors };
}

/** `--workers 1,thread:2` → the tsweb variants to run (without the flag: `tsweb` with `workers 1`, since the default is `auto`). */
let workerVariants = [{ name: 'tsweb', workers: 1, design: '' }];
let workerVariantsGiven = false;
function parseWorkerVariants(list) {
  return list.split(',').map((v) => {
    const [design, n] = v.includes(':') ? v.split(':') : ['', v];
    if (!/^[0-9]+$/.test(n) || !['', 'thread', 'process'].includes(design)) throw new Error(`--workers: bad variant "${v}"`);
    return { name: `tsweb${design ? ` ${design}` : ''} w${n}`, workers: Number(n), design };
  });
}

/** The tsweb processes to start: one per variant, with its global option and environment. */
function tswebServers() {
  return workerVariants.map((v) => ({
    name: v.name,
    cmd: process.execPath,
    args: (cfg) => [cli, 'run', '--config', cfg, '--adapter', 'caddyfile'],
    env: v.design ? { ...process.env, TSWEB_WORKERS_DESIGN: v.design } : process.env,
    options: v.workers ? `\tworkers ${v.workers}\n` : '',
  }));
}

/** Resident memory of a process and all its descendants, in MiB (Linux /proc). */
function treeRssMiB(pid) {
  let kb = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
      for (const t of readdirSync(`/proc/${p}/task`)) {
        for (const c of readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) stack.push(Number(c));
      }
    } catch {
      // gone, or not Linux
    }
  }
  return kb / 1024;
}

const latency = (x) => `${x >= 10 ? x.toFixed(1) : x.toFixed(2)} ms`;

async function benchStatic({ runs, runsGiven }) {
  if (!runsGiven) runs = 3;
  if (!hasCommand('wrk')) throw new Error('wrk is not installed (apt-get install wrk)');
  const withCaddy = hasCommand('caddy');
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-bench-'));
  const started = [];
  try {
    const site = join(dir, 'site');
    mkdirSync(site);
    const files = [
      { name: '1k.txt', label: '1 KB', size: 1024 },
      { name: '100k.txt', label: '100 KB', size: 100 * 1024 },
    ];
    for (const f of files) writeFileSync(join(site, f.name), Buffer.alloc(f.size, 'tsweb static benchmark\n'));

    const servers = tswebServers();
    if (withCaddy) servers.push({ name: 'caddy', cmd: 'caddy', args: (cfg) => ['run', '--config', cfg, '--adapter', 'caddyfile'], options: '' });
    for (const s of servers) {
      s.port = await freePort();
      // No `log` directive: no access logs. Admin off so nothing else listens.
      const cfg = join(dir, `Caddyfile.${s.name.replace(/ /g, '_')}`);
      writeFileSync(cfg, `{\n\tadmin off\n${s.options}}\n\n:${s.port} {\n\troot * ${site}\n\tfile_server\n}\n`);
      s.proc = startServer(s.name, s.cmd, s.args(cfg), dir, s.env);
      started.push(s.proc);
      await waitReady(s.proc, `http://127.0.0.1:${s.port}/${files[0].name}`);
    }
    // Both must serve the same bytes, or the comparison means nothing.
    for (const s of servers) {
      for (const f of files) {
        const r = await fetch(`http://127.0.0.1:${s.port}/${f.name}`);
        const body = Buffer.from(await r.arrayBuffer());
        if (r.status !== 200 || body.length !== f.size) throw new Error(`${s.name} answered ${r.status} with ${body.length} bytes for ${f.name}`);
      }
    }
    const version = withCaddy ? caddyVersion() : '';
    console.log(
      `static: wrk -t${WRK.threads} -c${WRK.connections} -d${WRK.seconds}s (keep-alive), ${runs} runs interleaved after a ${WRK.warmupSeconds} s warm-up; ` +
        (withCaddy ? `reference caddy ${version}` : 'caddy not installed: no reference measured') +
        (cli === builtCli ? '' : `; tsweb ${cli}`) +
        '\n',
    );

    const rows = [['', 'req/s (median)', 'min', 'max', 'p99 (median)', 'RSS']];
    const ratios = [];
    for (const f of files) {
      const results = new Map(servers.map((s) => [s.name, []]));
      for (const s of servers) runWrk(`http://127.0.0.1:${s.port}/${f.name}`, WRK.warmupSeconds);
      for (let i = 0; i < runs; i++) {
        for (const s of servers) {
          if (s.proc.child.exitCode !== null) throw new Error(`${s.name} exited during the benchmark: ${s.proc.output()}`);
          results.get(s.name).push(runWrk(`http://127.0.0.1:${s.port}/${f.name}`, WRK.seconds));
        }
      }
      const med = {};
      for (const s of servers) {
        const rs = results.get(s.name).map((r) => r.rps);
        med[s.name] = median(rs);
        const round = (x) => Math.round(x).toLocaleString('en');
        rows.push([`${s.name} ${f.label}`, round(med[s.name]), round(Math.min(...rs)), round(Math.max(...rs)), latency(median(results.get(s.name).map((r) => r.p99))), `${treeRssMiB(s.proc.child.pid).toFixed(0)} MiB`]);
      }
      if (withCaddy) ratios.push(`${f.label}: ${servers.filter((x) => x.name !== 'caddy').map((x) => `${x.name} ${(med[x.name] / med.caddy).toFixed(2)}x`).join(', ')}`);
    }
    console.log(table(rows));
    console.log('');
    if (withCaddy) console.log(`ratio tsweb/caddy, requests/s: ${ratios.join(', ')} (above 1: tsweb faster)`);
  } finally {
    for (const p of started) await stopServer(p);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------- proxy ----------

/** Loads for the proxy benchmark: keep-alive at 50 and 200 connections, and a new connection per request at 50. */
const PROXY_LOADS = [
  { label: 'c50', threads: 1, connections: 50, close: false },
  { label: 'c200', threads: 1, connections: 200, close: false },
  { label: 'close c50', threads: 1, connections: 50, close: true },
];

/** Clock ticks (user + system) of a process and its descendants (Linux /proc; 100 per second). */
function treeCpuTicks(pid) {
  let ticks = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
      for (const t of readdirSync(`/proc/${p}/task`)) {
        for (const c of readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) stack.push(Number(c));
      }
    } catch {
      // gone, or not Linux
    }
  }
  return ticks;
}
const TICK_US = 1e6 / 100;

/**
 * One wrk run against a server process: requests/s, p50 and p99 in ms,
 * CPU µs per request (the server's process tree, user + system) and the
 * largest RSS sampled while it ran. wrk runs as a child so this process can
 * sample meanwhile.
 */
async function runWrkMeasured(url, seconds, load, pid) {
  const args = ['-t', String(load.threads), '-c', String(load.connections), '-d', `${seconds}s`, '--latency'];
  if (load.close) args.push('-H', 'Connection: close');
  args.push(url);
  const cpu0 = treeCpuTicks(pid);
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  let rss = 0;
  const sampler = setInterval(() => (rss = Math.max(rss, treeRssMiB(pid))), 500);
  const code = await new Promise((r) => child.once('exit', r));
  clearInterval(sampler);
  const cpu = treeCpuTicks(pid) - cpu0;
  if (code !== 0) throw new Error(`wrk exited ${code}: ${stderr.trim()}`);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const total = /(\d+) requests in/.exec(stdout);
  const pct = (p) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(stdout);
    return m ? Number(m[1]) * wrkUnits[m[2]] : NaN;
  };
  if (!rps || !total) throw new Error(`cannot read wrk's output: ${stdout}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout);
  if (non2xx) throw new Error(`${url}: ${non2xx[1]} non-2xx responses under load`);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = sock ? sock.slice(1).reduce((n, x) => n + Number(x), 0) : 0;
  const requests = Number(total[1]);
  return { rps: Number(rps[1]), p50: pct(50), p99: pct(99), cpuUs: requests > 0 ? (cpu * TICK_US) / requests : NaN, rss, errors };
}

/**
 * The backend the proxies forward to: as fast as possible, so the proxy is
 * what is measured. nginx runs as one process (no master), so stopping its
 * pid stops everything; its temp paths live under `dir` (Debian compiles in
 * absolute ones under /var/lib/nginx). Several ports: one server block each,
 * in the same single worker.
 */
function nginxConf(prefix, body) {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `\t${t}_temp_path ${join(prefix, t)};`).join('\n');
  return (
    `daemon off;\nmaster_process off;\nworker_processes 1;\npid ${join(prefix, 'nginx.pid')};\nerror_log stderr warn;\n` +
    `events {\n\tworker_connections 8192;\n}\n` +
    `http {\n\taccess_log off;\n${temp}\n\tkeepalive_requests 1000000;\n${body}}\n`
  );
}

function startNginx(dir, name, body) {
  const prefix = join(dir, name);
  mkdirSync(prefix);
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, nginxConf(prefix, body));
  return startServer(name, 'nginx', ['-p', prefix, '-c', conf, '-e', 'stderr'], dir);
}

function startBackend(dir, ports) {
  if (hasCommand('nginx')) {
    const servers = ports.map((p) => `\tserver {\n\t\tlisten 127.0.0.1:${p};\n\t\tlocation / {\n\t\t\treturn 200 "ok";\n\t\t}\n\t}\n`).join('');
    const v = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
    const version = (v.stderr || v.stdout).trim().replace(/^nginx version: /, '');
    return { label: `${version}, 1 worker`, proc: startNginx(dir, 'backend', servers) };
  }
  // A child process, not this one: wrk runs as a child too, but the sampling must not compete with a backend here.
  const js = `for (const p of ${JSON.stringify(ports)}) require('node:http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }); s.end('ok'); }).listen(p, '127.0.0.1');`;
  return { label: `node:http ${process.version} (nginx not installed)`, proc: startServer('backend', process.execPath, ['-e', js], dir) };
}

/** The proxies compared: tsweb with one worker and with every core, Caddy, nginx with upstream keepalive. */
function proxyTargets(backendPorts, withCaddy) {
  const list = [];
  const dials = backendPorts.map((p) => `127.0.0.1:${p}`).join(' ');
  const lb = backendPorts.length > 1 ? ' {\n\t\tlb_policy round_robin\n\t}' : '';
  const site = (port) => `:${port} {\n\treverse_proxy ${dials}${lb}\n}\n`;
  const variants = workerVariantsGiven ? tswebServers() : [
    { name: 'tsweb w1', cmd: process.execPath, args: (cfg) => [cli, 'run', '--config', cfg, '--adapter', 'caddyfile'], env: process.env, options: '' },
    { name: 'tsweb all', cmd: process.execPath, args: (cfg) => [cli, 'run', '--config', cfg, '--adapter', 'caddyfile'], env: process.env, options: '\tworkers auto\n' },
  ];
  for (const v of variants) list.push({ ...v, kind: 'tsweb', caddyfile: (port) => `{\n\tadmin off\n\tauto_https off\n${v.options}}\n\n${site(port)}` });
  if (withCaddy) list.push({ name: 'caddy', kind: 'caddy', cmd: 'caddy', args: (cfg) => ['run', '--config', cfg, '--adapter', 'caddyfile'], caddyfile: (port) => `{\n\tadmin off\n\tauto_https off\n}\n\n${site(port)}` });
  if (hasCommand('nginx')) list.push({ name: 'nginx', kind: 'nginx' });
  return list;
}

async function startProxy(dir, t, backendPorts, tag) {
  t.port = await freePort();
  if (t.kind === 'nginx') {
    const ups = backendPorts.map((p) => `\t\tserver 127.0.0.1:${p};\n`).join('');
    const body =
      `\tupstream backends {\n${ups}\t\tkeepalive 256;\n\t}\n` +
      `\tserver {\n\t\tlisten 127.0.0.1:${t.port};\n\t\tlocation / {\n\t\t\tproxy_pass http://backends;\n\t\t\tproxy_http_version 1.1;\n\t\t\tproxy_set_header Connection "";\n\t\t}\n\t}\n`;
    t.proc = startNginx(dir, `nginx-proxy-${tag}`, body);
  } else {
    const cfg = join(dir, `Caddyfile.${tag}.${t.name.replace(/ /g, '_')}`);
    writeFileSync(cfg, t.caddyfile(t.port));
    t.proc = startServer(t.name, t.cmd, t.args(cfg), dir, t.env);
  }
  await waitReady(t.proc, `http://127.0.0.1:${t.port}/`);
  const r = await fetch(`http://127.0.0.1:${t.port}/`);
  const body = await r.text();
  if (r.status !== 200 || body !== 'ok') throw new Error(`${t.name} answered ${r.status} with ${JSON.stringify(body.slice(0, 60))}`);
  t.idleRss = treeRssMiB(t.proc.child.pid);
}

/** One scenario (one or two upstreams): every load, every target, runs interleaved; prints the table and the ratios. */
async function proxyScenario(dir, backendPorts, backendProc, runs, withCaddy, tag) {
  const targets = [{ name: 'direct', kind: 'direct', port: backendPorts[0], proc: backendProc }];
  const started = [];
  try {
    for (const t of proxyTargets(backendPorts, withCaddy)) {
      await startProxy(dir, t, backendPorts, tag);
      started.push(t.proc);
      targets.push(t);
    }
    targets[0].idleRss = treeRssMiB(backendProc.child.pid);
    const rows = [['', 'req/s (median)', 'min', 'max', 'p50', 'p99', 'CPU µs/req', 'RSS idle', 'RSS load', 'errors']];
    const ratioLines = [];
    for (const load of PROXY_LOADS) {
      const results = new Map(targets.map((t) => [t.name, []]));
      for (const t of targets) await runWrkMeasured(`http://127.0.0.1:${t.port}/`, WRK.warmupSeconds, load, t.proc.child.pid);
      // Paired ratios: each run of a target against the reference's run in the same round.
      for (let i = 0; i < runs; i++) {
        for (const t of targets) {
          if (t.proc.child.exitCode !== null) throw new Error(`${t.name} exited during the benchmark: ${t.proc.output()}`);
          results.get(t.name).push(await runWrkMeasured(`http://127.0.0.1:${t.port}/`, WRK.seconds, load, t.proc.child.pid));
        }
      }
      const round = (x) => Math.round(x).toLocaleString('en');
      const med = (name, k) => median(results.get(name).map((r) => r[k]));
      for (const t of targets) {
        const rs = results.get(t.name).map((r) => r.rps);
        rows.push([
          `${t.name} ${load.label}`,
          round(median(rs)),
          round(Math.min(...rs)),
          round(Math.max(...rs)),
          latency(med(t.name, 'p50')),
          latency(med(t.name, 'p99')),
          med(t.name, 'cpuUs').toFixed(0),
          `${t.idleRss.toFixed(0)} MiB`,
          `${Math.max(...results.get(t.name).map((r) => r.rss)).toFixed(0)} MiB`,
          results.get(t.name).reduce((n, r) => n + r.errors, 0),
        ]);
      }
      const paired = (a, b) => median(results.get(a).map((r, i) => r.rps / results.get(b)[i].rps));
      const parts = [];
      for (const t of targets.filter((x) => x.kind === 'tsweb' || x.kind === 'nginx')) {
        const vs = [];
        if (withCaddy) vs.push(`${paired(t.name, 'caddy').toFixed(2)}x caddy (p99 ${latency(med(t.name, 'p99'))} vs ${latency(med('caddy', 'p99'))})`);
        vs.push(`${paired(t.name, 'direct').toFixed(2)}x direct`);
        parts.push(`${t.name} ${vs.join(', ')}`);
      }
      ratioLines.push(`  ${load.label}: ${parts.join('; ')}`);
    }
    console.log(table(rows));
    console.log('');
    console.log(`paired ratios of requests/s (median over runs; above 1: faster):\n${ratioLines.join('\n')}`);
  } finally {
    for (const p of started.reverse()) await stopServer(p);
  }
}

async function benchProxy({ runs, runsGiven }) {
  if (!runsGiven) runs = 3;
  if (!hasCommand('wrk')) throw new Error('wrk is not installed (apt-get install wrk)');
  const withCaddy = hasCommand('caddy');
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-bench-'));
  let backend;
  try {
    const ports = [await freePort(), await freePort()];
    backend = startBackend(dir, ports);
    for (const p of ports) await waitReady(backend.proc, `http://127.0.0.1:${p}/`);
    console.log(
      `proxy: backend ${backend.label}; wrk -t1 -d${WRK.seconds}s, loads ${PROXY_LOADS.map((l) => l.label).join(', ')} (keep-alive unless "close"), ${runs} runs interleaved after a ${WRK.warmupSeconds} s warm-up; ` +
        (withCaddy ? `reference caddy ${caddyVersion()}` : 'caddy not installed: no reference measured') +
        `; CPU and RSS are the whole process tree's` +
        (cli === builtCli ? '' : `; tsweb ${cli}`) +
        '\n',
    );
    console.log('one upstream:');
    await proxyScenario(dir, [ports[0]], backend.proc, runs, withCaddy, 'one');
    console.log('\ntwo upstreams, round_robin:');
    await proxyScenario(dir, ports, backend.proc, runs, withCaddy, 'two');
  } finally {
    if (backend) await stopServer(backend.proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------- regexp ----------

// Matcher patterns as Caddyfiles write them, the V8 RegExp the old RE2-to-JS
// translation made of each, and an input that matches and one that does not.
const REGEXP_CASES = [
  ['path_regexp', '^/api/v(\\d+)/users/([a-z0-9-]+)$', '^\\/api\\/v(\\d+)\\/users\\/([a-z0-9-]+)$', '/api/v2/users/abc-123', '/static/app.js'],
  ['path_regexp', '\\.(jpg|jpeg|png|gif|webp)$', '\\.(jpg|jpeg|png|gif|webp)$', '/img/2024/photo.jpg', '/img/2024/photo.txt'],
  ['path_regexp', '^/(?P<first>[^/]+)/(.*)', '^\\/([^\\/]+)\\/([^\\n]*)', '/docs/guide/intro.html', '/'],
  ['path_regexp', '^/foo/(.*)/baz$', '^\\/foo\\/([^\\n]*)\\/baz$', '/foo/bar/baz', '/foo/bar/qux'],
  ['header_regexp', '^Mozilla/5\\.0 .*Chrome/(\\d+)', '^Mozilla\\/5\\.0 [^\\n]*Chrome\\/(\\d+)', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'curl/8.5.0'],
  ['header_regexp', '(?i)^bearer\\s+(\\S+)$', '^(?:[Bb][Ee][Aa][Rr][Ee][Rr])[\\t\\n\\f\\r ]+([^\\t\\n\\f\\r ]+)$', 'Bearer abc.def.ghi', 'Basic dXNlcg=='],
  ['vars_regexp', '^(?P<sub>[^.]+)\\.example\\.com$', '^([^.]+)\\.example\\.com$', 'www.example.com', 'example.org'],
];

/** Nanoseconds per call, median of `runs` batches. */
function nsPerCall(fn, runs) {
  const n = 100_000;
  for (let i = 0; i < n / 10; i++) fn();
  const per = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    per.push(Number(process.hrtime.bigint() - t0) / n);
  }
  return median(per);
}

async function benchRegexp({ runs }) {
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-bench-regexp-'));
  try {
    const bundle = join(dir, 'regexp.mjs');
    await build({ entryPoints: [join(root, 'src/go/regexp.ts')], bundle: true, platform: 'node', target: 'node24', format: 'esm', outfile: bundle, logLevel: 'warning' });
    const { compileRegexp } = await import(pathToFileURL(bundle).href);
    console.log(`regexp: ns per exec (captures included), median of ${runs} runs of 100,000; ratio against the old V8 translation\n`);
    const rows = [['matcher', 'pattern', 'input', 'engine', 'tsweb', 'old V8', 'ratio', 're2js only', 'ratio']];
    let sink = 0;
    for (const [kind, pattern, old, hit, miss] of REGEXP_CASES) {
      const auto = compileRegexp(pattern);
      const re2 = compileRegexp(pattern, 're2');
      const v8 = new RegExp(old, 'u');
      for (const [label, s] of [['hit', hit], ['miss', miss]]) {
        if ((auto.exec(s) === null) !== (v8.exec(s) === null)) throw new Error(`${pattern} disagrees with the old translation on ${s}`);
        const a = nsPerCall(() => (sink += auto.exec(s)?.length ?? 0), runs);
        const b = nsPerCall(() => (sink += v8.exec(s)?.length ?? 0), runs);
        const c = nsPerCall(() => (sink += re2.exec(s)?.length ?? 0), runs);
        rows.push([kind, pattern, label, auto.engine, a.toFixed(0), b.toFixed(0), (a / b).toFixed(2), c.toFixed(0), (c / b).toFixed(2)]);
      }
    }
    console.log(table(rows));
    const evil = (n) => '/' + 'a'.repeat(n) + 'b';
    const t = (fn) => {
      const t0 = performance.now();
      fn();
      return performance.now() - t0;
    };
    const linear = compileRegexp('^/(a+)+$');
    console.log(`\n^/(a+)+$ against /a…ab (${linear.engine}): 28 a: ${ms(t(() => linear.exec(evil(28))))}, 10,000 a: ${ms(t(() => linear.exec(evil(10_000))))}`);
    console.log(`old V8 translation: 22 a: ${ms(t(() => /^\/(a+)+$/u.exec(evil(22))))}, 24 a: ${ms(t(() => /^\/(a+)+$/u.exec(evil(24))))} (exponential in the a count)`);
    if (sink < 0) console.log(sink);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------- cel ----------

// [label, expression, native matcher set or null, path, method, headers, error status]
const CEL_CASES = [
  ['path prefix + method', '{http.request.uri.path}.startsWith("/api") && method("POST")', { path: ['/api*'], method: ['POST'] }, '/api/users', 'POST', {}, 0],
  ['path() + header()', "path('/api/*') && header({'X-Foo': ['bar']})", { path: ['/api/*'], header: { 'X-Foo': ['bar'] } }, '/api/users', 'GET', { 'x-foo': 'bar' }, 0],
  ['path_regexp capture', "path_regexp('^/api/(\\\\w+)$')", { path_regexp: { pattern: '^/api/(\\w+)$' } }, '/api/users', 'GET', {}, 0],
  ['handle_errors 404 5xx', '{http.error.status_code} >= 500 && {http.error.status_code} <= 599 || {http.error.status_code} in [404]', null, '/x', 'GET', {}, 404],
  ['no match (method)', '{http.request.uri.path}.startsWith("/api") && method("POST")', { path: ['/api*'], method: ['POST'] }, '/api/users', 'GET', {}, 0],
];

async function benchCel({ runs }) {
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-bench-cel-'));
  try {
    const bundle = join(dir, 'cel.mjs');
    const entry = [
      "import './src/modules/index.ts';",
      "export { matcherModules } from './src/core/registry.ts';",
      "export { createCtx } from './src/core/context.ts';",
      "export { NodeResponseWriter } from './src/apps/http/node_response.ts';",
      "export { HandlerError } from './src/core/types.ts';",
    ].join('\n');
    // The engine's CommonJS dependencies require() Node built-ins, which an ESM bundle only has through createRequire.
    const banner = { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" };
    await build({ stdin: { contents: entry, resolveDir: root, loader: 'ts' }, bundle: true, platform: 'node', target: 'node24', format: 'esm', banner, outfile: bundle, logLevel: 'warning' });
    const { matcherModules, createCtx, NodeResponseWriter, HandlerError } = await import(pathToFileURL(bundle).href);
    const { IncomingMessage, ServerResponse } = await import('node:http');
    const { Socket } = await import('node:net');
    const env = { compileRoutes: () => async () => {}, compileMatcherSets: () => () => true, onCleanup: () => {}, configFiles: [] };
    const provision = (name, json) => {
      const mod = matcherModules.get(name);
      return mod.provision(mod.decode(json), env);
    };
    const ctxFor = (path, method, headers, status) => {
      const req = new IncomingMessage(new Socket());
      const all = { host: 'example.com', ...headers };
      Object.assign(req, { url: path, method, headers: all, rawHeaders: Object.entries(all).flat(), httpVersion: '1.1' });
      // Filled by the HTTP parser on a real request; this one never saw a parser.
      Object.defineProperty(req, 'headersDistinct', { value: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, [v]])) });
      const ctx = createCtx(req, new NodeResponseWriter(new ServerResponse(req), false));
      if (status) ctx.error = new HandlerError(status, 'x');
      return ctx;
    };
    console.log(`cel: ns per match (median of ${runs} runs of 100,000) and µs to compile at load; native = the same test as plain matchers\n`);
    const rows = [['case', 'result', 'expression ns', 'native ns', 'ratio', 'compile µs']];
    let sink = 0;
    for (const [label, expr, native, path, method, headers, status] of CEL_CASES) {
      const ctx = ctxFor(path, method, headers, status);
      const t0 = performance.now();
      const n = 50;
      for (let i = 0; i < n; i++) provision('expression', expr);
      const compileUs = ((performance.now() - t0) / n) * 1000;
      const m = provision('expression', expr);
      const result = m(ctx);
      const a = nsPerCall(() => (sink += m(ctx) ? 1 : 0), runs);
      let b = null;
      if (native) {
        const parts = Object.entries(native).map(([k, v]) => provision(k, v));
        const all = (c) => parts.every((p) => p(c));
        if (all(ctx) !== result) throw new Error(`${label}: expression and native matchers disagree`);
        b = nsPerCall(() => (sink += all(ctx) ? 1 : 0), runs);
      }
      rows.push([label, String(result), a.toFixed(0), b === null ? 'n/a' : b.toFixed(0), b === null ? 'n/a' : (a / b).toFixed(1), compileUs.toFixed(0)]);
    }
    console.log(table(rows));
    if (sink < 0) console.log(sink);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------- startup ----------

/**
 * Milliseconds from spawning `cmd args` until the first byte of an answer to
 * GET / on `port`: polled with raw TCP connects (no client library start-up
 * in the way), the server killed afterwards.
 */
async function timeToFirstByte(cmd, args, cwd, port) {
  const t0 = performance.now();
  const child = spawn(cmd, args, { cwd, env: { PATH: process.env.PATH, HOME: cwd, XDG_DATA_HOME: cwd, XDG_CONFIG_HOME: cwd }, stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  let gone = false;
  exited.then(() => (gone = true));
  const attempt = () =>
    new Promise((res) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => sock.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
      sock.once('data', () => {
        res(performance.now() - t0);
        sock.destroy();
      });
      sock.once('error', () => res(undefined));
      sock.once('close', () => res(undefined));
    });
  try {
    while (performance.now() - t0 < 15_000) {
      if (gone) throw new Error(`${cmd} ${args.join(' ')} exited before serving`);
      const t = await attempt();
      if (t !== undefined) return t;
      await new Promise((r) => setTimeout(r, 1));
    }
    throw new Error(`${cmd} did not answer on ${port} within 15 s`);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * dist/tsweb (the single executable) from exec to `version` done and to the
 * first byte served by `run`, against caddy doing the same, interleaved.
 */
async function benchStartup({ runs, runsGiven }) {
  if (!runsGiven) runs = 20;
  // TSWEB_BENCH_EXE: another build of the executable (a before/after comparison).
  const exe = process.env.TSWEB_BENCH_EXE ?? join(root, 'dist', 'tsweb');
  if (!existsSync(exe)) throw new Error(`${exe} is missing; run \`npm run build\``);
  const withCaddy = hasCommand('caddy');
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-bench-'));
  try {
    const version = { tsweb: [], bundle: [], caddy: [], floor: [] };
    const firstByte = { tsweb: [], tsweb1: [], caddy: [] };
    const pinnedNode = join(root, 'node_modules', 'node', 'bin', 'node');
    for (let i = 0; i < runs; i++) {
      // The floor: the same Node doing nothing, in the same conditions.
      version.floor.push(...timeProcess(pinnedNode, ['-e', '0'], dir, 1).times);
      version.tsweb.push(...timeProcess(exe, ['version'], dir, 1).times);
      version.bundle.push(...timeProcess(pinnedNode, [builtCli, 'version'], dir, 1).times);
      if (withCaddy) version.caddy.push(...timeProcess('caddy', ['version'], dir, 1).times);
      // tsweb1: `workers 1`, served from the process itself (no request worker threads to start).
      for (const who of withCaddy ? ['tsweb', 'tsweb1', 'caddy'] : ['tsweb', 'tsweb1']) {
        const port = await freePort();
        const cfg = join(dir, `Caddyfile.${who}`);
        writeFileSync(cfg, `{\n\tadmin off\n\tauto_https off\n${who === 'tsweb1' ? '\tworkers 1\n' : ''}}\n\n:${port} {\n\trespond "ok"\n}\n`);
        const args = ['run', '--config', cfg, '--adapter', 'caddyfile'];
        firstByte[who].push(await timeToFirstByte(who === 'caddy' ? 'caddy' : exe, args, dir, port));
      }
    }
    const min = (xs) => Math.min(...xs);
    const ratio = (a, b) => (b.length ? `${(median(a) / median(b)).toFixed(2)}x` : 'n/a');
    console.log(`startup: ${runs} runs each, interleaved; caddy ${withCaddy ? caddyVersion() : 'not installed'}; target: first byte <= 150 ms`);
    console.log(
      table([
        ['', 'median', 'min', 'vs caddy'],
        ['dist/tsweb version', ms(median(version.tsweb)), ms(min(version.tsweb)), ratio(version.tsweb, version.caddy)],
        ['node dist/tsweb.cjs version', ms(median(version.bundle)), ms(min(version.bundle)), ratio(version.bundle, version.caddy)],
        ['caddy version', ms(withCaddy ? median(version.caddy) : undefined), ms(withCaddy ? min(version.caddy) : undefined), ''],
        ['node -e 0 (the floor)', ms(median(version.floor)), ms(min(version.floor)), ratio(version.floor, version.caddy)],
        ['dist/tsweb run, first byte', ms(median(firstByte.tsweb)), ms(min(firstByte.tsweb)), ratio(firstByte.tsweb, firstByte.caddy)],
        ['dist/tsweb run, workers 1, first byte', ms(median(firstByte.tsweb1)), ms(min(firstByte.tsweb1)), ratio(firstByte.tsweb1, firstByte.caddy)],
        ['caddy run, first byte', ms(withCaddy ? median(firstByte.caddy) : undefined), ms(withCaddy ? min(firstByte.caddy) : undefined), ''],
      ]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------- driver ----------

// ---------- https ----------

const HTTPS = { seconds: 4, warmupSeconds: 1, h2Clients: 10, h2Streams: 10 };

/** One h2load run (HTTP/2 over TLS, -c clients × -m streams): requests/s and failures. */
function runH2load(url, seconds, warmup = 0) {
  const args = ['-c', String(HTTPS.h2Clients), '-m', String(HTTPS.h2Streams), '-t', '1', '-D', String(seconds), ...(warmup ? [`--warm-up-time=${warmup}`] : []), url];
  const r = spawnSync('h2load', args, { encoding: 'utf8', timeout: (seconds + warmup + 30) * 1000 });
  if (r.error) throw new Error(`h2load: ${r.error.message}`);
  const rps = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(r.stdout);
  const reqs = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/.exec(r.stdout);
  const proto = /Application protocol: (\S+)/.exec(r.stdout);
  if (!rps || !reqs) throw new Error(`cannot read h2load's output: ${r.stdout}${r.stderr}`);
  if (proto && proto[1] !== 'h2') throw new Error(`${url}: h2load negotiated ${proto[1]}, not h2`);
  if (Number(reqs[1]) === 0) throw new Error(`${url}: no request succeeded over h2`);
  return { rps: Number(rps[1]), failed: Number(reqs[2]) };
}

/** Full TLS handshakes per second: `openssl s_time -new` (one client, a new session every time). */
function runSTime(port, seconds) {
  const r = spawnSync('openssl', ['s_time', '-connect', `127.0.0.1:${port}`, '-new', '-time', String(seconds)], { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  if (r.error) throw new Error(`openssl s_time: ${r.error.message}`);
  const m = /(\d+) connections in ([\d.]+) real seconds/.exec(r.stdout);
  if (!m) throw new Error(`cannot read s_time's output: ${r.stdout}${r.stderr}`);
  return { cps: Number(m[1]) / Number(m[2]) };
}

/**
 * HTTPS: the same 1 KB file over TLS from tsweb, caddy and nginx (one worker),
 * all with one ECDSA P-256 certificate made here with openssl (`tls cert key`
 * in tsweb and Caddy): HTTP/1.1 keep-alive (wrk), HTTP/2 (h2load -c10 -m10)
 * and full handshakes per second (openssl s_time -new), interleaved, medians.
 */
async function benchHttps({ runs, runsGiven }) {
  if (!runsGiven) runs = 3;
  for (const c of ['wrk', 'h2load', 'openssl']) if (!hasCommand(c)) throw new Error(`${c} is not installed (apt-get install wrk nghttp2-client openssl)`);
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-bench-https-'));
  const started = [];
  try {
    const site = join(dir, 'site');
    mkdirSync(site);
    writeFileSync(join(site, '1k.txt'), Buffer.alloc(1024, 'tsweb https benchmark\n'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    const ssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { encoding: 'utf8' });
    if (ssl.status !== 0) throw new Error(`openssl req: ${ssl.stderr}`);

    const servers = tswebServers();
    if (hasCommand('caddy')) servers.push({ name: 'caddy', cmd: 'caddy', args: (cfg) => ['run', '--config', cfg, '--adapter', 'caddyfile'], options: '' });
    for (const s of servers) {
      s.port = await freePort();
      const cfg = join(dir, `Caddyfile.${s.name.replace(/ /g, '_')}`);
      writeFileSync(cfg, `{\n\tadmin off\n\tskip_install_trust\n\thttp_port ${await freePort()}\n${s.options}}\n\n:${s.port} {\n\ttls ${cert} ${key}\n\troot * ${site}\n\tfile_server\n}\n`);
      s.proc = startServer(s.name, s.cmd, s.args(cfg), dir, { ...(s.env ?? process.env), XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, HOME: dir });
      started.push(s.proc);
    }
    if (hasCommand('nginx')) {
      const s = { name: 'nginx', port: await freePort() };
      const body = `\tserver {\n\t\tlisten 127.0.0.1:${s.port} ssl http2;\n\t\tssl_certificate ${cert};\n\t\tssl_certificate_key ${key};\n\t\tlocation / {\n\t\t\troot ${site};\n\t\t}\n\t}\n`;
      s.proc = startNginx(dir, 'nginx', body);
      started.push(s.proc);
      servers.push(s);
    }
    // Every server must answer the file over TLS before anything is timed.
    for (const s of servers) await waitHttps(s);

    console.log(
      `https: 1 KB file over TLS 1.3, ECDSA P-256 (one certificate for all); h1: wrk -t${WRK.threads} -c${WRK.connections} keep-alive; ` +
        `h2: h2load -c${HTTPS.h2Clients} -m${HTTPS.h2Streams}; handshakes: openssl s_time -new; ${HTTPS.seconds} s each, ${runs} runs interleaved after a warm-up; ` +
        `nginx: 1 worker${hasCommand('caddy') ? `; caddy ${caddyVersion()}` : ''}\n`,
    );
    const url = (s) => `https://127.0.0.1:${s.port}/1k.txt`;
    for (const s of servers) {
      runWrk(url(s), HTTPS.warmupSeconds);
      runH2load(url(s), HTTPS.warmupSeconds);
    }
    const results = new Map(servers.map((s) => [s.name, { h1: [], h2: [], hs: [] }]));
    for (let i = 0; i < runs; i++) {
      for (const s of servers) {
        if (s.proc.child.exitCode !== null) throw new Error(`${s.name} exited during the benchmark: ${s.proc.output()}`);
        const r = results.get(s.name);
        r.h1.push(runWrk(url(s), HTTPS.seconds).rps);
        r.h2.push(runH2load(url(s), HTTPS.seconds).rps);
        r.hs.push(runSTime(s.port, HTTPS.seconds).cps);
      }
    }
    const round = (x) => Math.round(x).toLocaleString('en');
    const rows = [['', 'h1 req/s', 'h2 req/s', 'handshakes/s', 'RSS']];
    const med = {};
    for (const s of servers) {
      const r = results.get(s.name);
      med[s.name] = { h1: median(r.h1), h2: median(r.h2), hs: median(r.hs) };
      const m = med[s.name];
      const span = (xs) => `${round(Math.min(...xs))}-${round(Math.max(...xs))}`;
      rows.push([s.name, `${round(m.h1)} (${span(r.h1)})`, `${round(m.h2)} (${span(r.h2)})`, `${round(m.hs)} (${span(r.hs)})`, `${treeRssMiB(s.proc.child.pid).toFixed(0)} MiB`]);
    }
    console.log(table(rows));
    console.log('');
    if (med.caddy) {
      for (const s of servers.filter((x) => x.name !== 'caddy')) {
        const m = med[s.name];
        console.log(`ratio ${s.name}/caddy: h1 ${(m.h1 / med.caddy.h1).toFixed(2)}x, h2 ${(m.h2 / med.caddy.h2).toFixed(2)}x, handshakes ${(m.hs / med.caddy.hs).toFixed(2)}x (above 1: faster than caddy)`);
      }
    }
  } finally {
    for (const p of started) await stopServer(p);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits until a server answers its file over HTTPS (self-signed: curl -k), or fails with its output. */
async function waitHttps(s) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (s.proc.child.exitCode !== null) throw new Error(`${s.name} exited before serving: ${s.proc.output()}`);
    const r = spawnSync('curl', ['-sk', '-m', '3', '-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:${s.port}/1k.txt`], { encoding: 'utf8' });
    if (r.stdout === '200') return;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`${s.name} did not serve HTTPS on ${s.port} within 30 s: ${s.proc.output()}`);
}

// ---------- ratelimit ----------

/**
 * What a `rate_limit` zone costs the plain proxy: the same reverse_proxy with
 * and without a zone keyed by {remote_host} (wide enough that nothing is
 * refused: every request takes the limiter's whole path), one worker and
 * `workers auto`; wrk -t1 -c50 keep-alive, runs interleaved, paired ratios.
 */
async function benchRateLimit({ runs, runsGiven }) {
  if (!runsGiven) runs = 3;
  if (!hasCommand('wrk')) throw new Error('wrk is not installed (apt-get install wrk)');
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-bench-'));
  const load = PROXY_LOADS[0];
  let backend;
  const started = [];
  try {
    const [port] = [await freePort()];
    backend = startBackend(dir, [port]);
    await waitReady(backend.proc, `http://127.0.0.1:${port}/`);
    const zone = '\trate_limit {\n\t\tzone bench {\n\t\t\tkey {remote_host}\n\t\t\tevents 200000\n\t\t\twindow 1s\n\t\t}\n\t}\n';
    const targets = [];
    // `workers 1` explicitly: the default is `auto`.
    for (const [workers, wname] of [['\tworkers 1\n', 'w1'], ['\tworkers auto\n', 'all']]) {
      for (const [limit, lname] of [['', 'proxy'], [zone, 'proxy+rate_limit']]) {
        targets.push({ name: `tsweb ${wname} ${lname}`, caddyfile: (p) => `{\n\tadmin off\n\tauto_https off\n${workers}}\n\n:${p} {\n${limit}\treverse_proxy 127.0.0.1:${port}\n}\n` });
      }
    }
    for (const t of targets) {
      t.port = await freePort();
      const cfg = join(dir, `Caddyfile.${t.name.replace(/[ +]/g, '_')}`);
      writeFileSync(cfg, t.caddyfile(t.port));
      t.proc = startServer(t.name, process.execPath, [cli, 'run', '--config', cfg, '--adapter', 'caddyfile'], dir);
      started.push(t.proc);
      await waitReady(t.proc, `http://127.0.0.1:${t.port}/`);
    }
    console.log(`ratelimit: reverse_proxy to ${backend.label} with and without a rate_limit zone (key {remote_host}, events 200000, window 1s); wrk -t1 -c50 -d${WRK.seconds}s keep-alive, ${runs} runs interleaved\n`);
    const results = new Map(targets.map((t) => [t.name, []]));
    for (const t of targets) await runWrkMeasured(`http://127.0.0.1:${t.port}/`, WRK.warmupSeconds, load, t.proc.child.pid);
    for (let i = 0; i < runs; i++) {
      for (const t of targets) results.get(t.name).push(await runWrkMeasured(`http://127.0.0.1:${t.port}/`, WRK.seconds, load, t.proc.child.pid));
    }
    const round = (x) => Math.round(x).toLocaleString('en');
    const rows = [['', 'req/s (median)', 'min', 'max', 'p99', 'CPU µs/req', 'socket errors']];
    for (const t of targets) {
      const rs = results.get(t.name);
      rows.push([t.name, round(median(rs.map((r) => r.rps))), round(Math.min(...rs.map((r) => r.rps))), round(Math.max(...rs.map((r) => r.rps))), latency(median(rs.map((r) => r.p99))), median(rs.map((r) => r.cpuUs)).toFixed(0), rs.reduce((n, r) => n + r.errors, 0)]);
    }
    console.log(table(rows));
    const paired = (a, b) => median(results.get(a).map((r, i) => r.rps / results.get(b)[i].rps));
    console.log('');
    for (const w of ['w1', 'all']) {
      const cost = 1 - paired(`tsweb ${w} proxy+rate_limit`, `tsweb ${w} proxy`);
      const cpu = (name) => median(results.get(name).map((r) => r.cpuUs));
      const cpuCost = cpu(`tsweb ${w} proxy+rate_limit`) / cpu(`tsweb ${w} proxy`) - 1;
      console.log(`  ${w}: rate_limit costs ${(cost * 100).toFixed(1)}% of the proxy's requests/s (paired median; target < 5%), ${(cpuCost * 100).toFixed(1)}% CPU per request`);
    }
  } finally {
    for (const p of started.reverse()) await stopServer(p);
    if (backend) await stopServer(backend.proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------- cache ----------

/**
 * A cache hit through `cache` + `reverse_proxy` against the same 2-byte
 * answer from file_server (a file the OS keeps in memory), tsweb's and
 * Caddy's uncached proxy, and nginx's proxy_cache; tsweb with `workers 1` (and a hit row with `workers auto`), wrk
 * -t1 -c50 keep-alive, runs interleaved, paired ratios.
 */
async function benchCache({ runs, runsGiven }) {
  if (!runsGiven) runs = 3;
  if (!hasCommand('wrk')) throw new Error('wrk is not installed (apt-get install wrk)');
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-bench-'));
  const load = PROXY_LOADS[0];
  let backend;
  const started = [];
  try {
    const port = await freePort();
    backend = startBackend(dir, [port]);
    await waitReady(backend.proc, `http://127.0.0.1:${port}/ok`);
    const site = join(dir, 'site');
    mkdirSync(site);
    writeFileSync(join(site, 'ok'), 'ok');
    const head = '{\n\tadmin off\n\tauto_https off\n}\n\n';
    // tsweb's default is `workers auto`: the one-worker rows say `workers 1`; the last row is the shared store across all workers.
    const head1 = '{\n\tadmin off\n\tauto_https off\n\tworkers 1\n}\n\n';
    const headAll = '{\n\tadmin off\n\tauto_https off\n\tworkers auto\n}\n\n';
    const targets = [
      { name: 'tsweb cache+proxy (hit)', cmd: process.execPath, args: (c) => [cli, 'run', '--config', c, '--adapter', 'caddyfile'], caddyfile: (p) => `${head1}:${p} {\n\tcache\n\treverse_proxy 127.0.0.1:${port}\n}\n` },
      { name: 'tsweb file_server', cmd: process.execPath, args: (c) => [cli, 'run', '--config', c, '--adapter', 'caddyfile'], caddyfile: (p) => `${head1}:${p} {\n\troot * ${site}\n\tfile_server\n}\n` },
      { name: 'tsweb proxy (no cache)', cmd: process.execPath, args: (c) => [cli, 'run', '--config', c, '--adapter', 'caddyfile'], caddyfile: (p) => `${head1}:${p} {\n\treverse_proxy 127.0.0.1:${port}\n}\n` },
      { name: 'tsweb cache+proxy (hit), workers auto', cmd: process.execPath, args: (c) => [cli, 'run', '--config', c, '--adapter', 'caddyfile'], caddyfile: (p) => `${headAll}:${p} {\n\tcache\n\treverse_proxy 127.0.0.1:${port}\n}\n` },
    ];
    if (hasCommand('caddy')) targets.push({ name: 'caddy proxy (no cache)', cmd: 'caddy', args: (c) => ['run', '--config', c, '--adapter', 'caddyfile'], caddyfile: (p) => `${head}:${p} {\n\treverse_proxy 127.0.0.1:${port}\n}\n` });
    if (hasCommand('nginx')) targets.push({ name: 'nginx proxy_cache (hit)', nginx: true });
    for (const t of targets) {
      t.port = await freePort();
      if (t.nginx) {
        const body =
          `\tproxy_cache_path ${join(dir, 'nginx-cache')} levels=1 keys_zone=bench:10m;\n` +
          `\tserver {\n\t\tlisten 127.0.0.1:${t.port};\n\t\tlocation / {\n\t\t\tproxy_pass http://127.0.0.1:${port};\n\t\t\tproxy_http_version 1.1;\n\t\t\tproxy_set_header Connection "";\n` +
          `\t\t\tproxy_cache bench;\n\t\t\tproxy_cache_valid 200 10m;\n\t\t\tadd_header X-Cache-Status $upstream_cache_status;\n\t\t}\n\t}\n`;
        t.proc = startNginx(dir, 'nginx-cache-proxy', body);
      } else {
        const cfg = join(dir, `Caddyfile.${t.name.replace(/[^a-z0-9]+/gi, '_')}`);
        writeFileSync(cfg, t.caddyfile(t.port));
        t.proc = startServer(t.name, t.cmd, t.args(cfg), dir);
      }
      started.push(t.proc);
      await waitReady(t.proc, `http://127.0.0.1:${t.port}/ok`);
      // Every target answers the same bytes; the cached ones from their cache.
      const r = await fetch(`http://127.0.0.1:${t.port}/ok`);
      const text = await r.text();
      if (r.status !== 200 || text !== 'ok') throw new Error(`${t.name} answered ${r.status} with ${JSON.stringify(text.slice(0, 60))}`);
      if (t.name.includes('(hit)')) {
        const status = r.headers.get('cache-status') ?? r.headers.get('x-cache-status') ?? '';
        if (!/hit/i.test(status)) throw new Error(`${t.name} did not answer from its cache: ${status}`);
      }
    }
    console.log(`cache: GET /ok ("ok", 2 bytes) from ${backend.label}; wrk -t1 -c50 -d${WRK.seconds}s keep-alive, ${runs} runs interleaved after a ${WRK.warmupSeconds} s warm-up; tsweb with workers 1 except the "workers auto" row, nginx worker_processes 1, Caddy on all cores (GOMAXPROCS)\n`);
    const url = (t) => `http://127.0.0.1:${t.port}/ok`;
    const results = new Map(targets.map((t) => [t.name, []]));
    for (const t of targets) await runWrkMeasured(url(t), WRK.warmupSeconds, load, t.proc.child.pid);
    for (let i = 0; i < runs; i++) {
      for (const t of targets) results.get(t.name).push(await runWrkMeasured(url(t), WRK.seconds, load, t.proc.child.pid));
    }
    const round = (x) => Math.round(x).toLocaleString('en');
    const rows = [['', 'req/s (median)', 'min', 'max', 'p99', 'CPU µs/req', 'socket errors']];
    for (const t of targets) {
      const rs = results.get(t.name);
      rows.push([t.name, round(median(rs.map((r) => r.rps))), round(Math.min(...rs.map((r) => r.rps))), round(Math.max(...rs.map((r) => r.rps))), latency(median(rs.map((r) => r.p99))), median(rs.map((r) => r.cpuUs)).toFixed(0), rs.reduce((n, r) => n + r.errors, 0)]);
    }
    console.log(table(rows));
    const paired = (a, b) => median(results.get(a).map((r, i) => r.rps / results.get(b)[i].rps));
    const hit = targets[0].name;
    console.log('');
    for (const t of targets.slice(1)) console.log(`  ${hit} / ${t.name}: ${paired(hit, t.name).toFixed(2)}x (paired median of requests/s)`);
    console.log('  targets: a hit costs no more than a small static file (>= ~1x file_server), and >= 1.5x caddy\'s uncached proxy');
  } finally {
    for (const p of started.reverse()) await stopServer(p);
    if (backend) await stopServer(backend.proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

const benchmarks = { adapt: benchAdapt, static: benchStatic, proxy: benchProxy, https: benchHttps, regexp: benchRegexp, cel: benchCel, startup: benchStartup, ratelimit: benchRateLimit, cache: benchCache };

async function main(argv) {
  let runs = 5;
  let runsGiven = false;
  const names = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs' || a.startsWith('--runs=')) {
      runs = Number(a.includes('=') ? a.slice(7) : argv[++i]);
      runsGiven = true;
      if (!Number.isInteger(runs) || runs < 1) {
        console.error('Error: --runs needs a positive integer');
        return 2;
      }
    } else if (a === '--cli' || a.startsWith('--cli=')) {
      cli = resolve(a.includes('=') ? a.slice(6) : (argv[++i] ?? ''));
    } else if (a === '--workers' || a.startsWith('--workers=')) {
      try {
        workerVariants = parseWorkerVariants(a.includes('=') ? a.slice(10) : (argv[++i] ?? ''));
        workerVariantsGiven = true;
      } catch (err) {
        console.error(`Error: ${err.message}`);
        return 2;
      }
    } else if (a === '-h' || a === '--help') {
      console.log(`Usage: npm run bench -- [${Object.keys(benchmarks).join('|')}]... [--runs N] [--cli PATH] [--workers 1,thread:2,process:2]`);
      return 0;
    } else if (a in benchmarks) {
      names.push(a);
    } else {
      console.error(`Error: unknown benchmark "${a}" (known: ${Object.keys(benchmarks).join(', ')})`);
      return 2;
    }
  }
  if (!existsSync(cli)) {
    console.error(`Error: ${cli} is missing; run \`npm run build\` first (npm run bench does)`);
    return 1;
  }
  let failed = 0;
  for (const name of names.length ? names : Object.keys(benchmarks)) {
    try {
      await benchmarks[name]({ runs, runsGiven });
    } catch (err) {
      failed++;
      console.error(`benchmark ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    console.log('');
  }
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
