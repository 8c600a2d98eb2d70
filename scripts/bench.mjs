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
//           `tsweb run` and `caddy run` (same Caddyfile, logs off); wrk
//           (keep-alive, 1 thread, 50 and 200 connections); runs interleaved
//           direct to the backend, tsweb, caddy, ...; median requests/s and
//           p99, ratios tsweb/caddy and tsweb/direct.
//   regexp  matcher patterns (path_regexp, header_regexp, vars_regexp) on
//           the engine src/go/regexp.ts picks, on re2js alone and on the old
//           V8 translation; ns per exec and ratios; a pathological pattern.
//   startup dist/tsweb (the single executable): `version` wall time and
//           `run` from exec to the first byte of a served answer (polled
//           with raw TCP connects), medians over 20 runs interleaved with
//           `caddy version` / `caddy run`; `node dist/tsweb.cjs version` beside.
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

/** `--workers 1,thread:2` → the tsweb variants to run (one plain `tsweb` without the flag). */
let workerVariants = [{ name: 'tsweb', workers: 0, design: '' }];
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

const PROXY_WRK = [
  { threads: 1, connections: 50 },
  { threads: 1, connections: 200 },
];

/**
 * The backend the proxies forward to: as fast as possible, so the proxy is
 * what is measured. nginx runs as one process (no master), so stopping its
 * pid stops everything; its temp paths live under `dir` (Debian compiles in
 * absolute ones under /var/lib/nginx).
 */
function startBackend(dir, port) {
  if (hasCommand('nginx')) {
    const prefix = join(dir, 'nginx');
    mkdirSync(prefix);
    const conf = join(prefix, 'nginx.conf');
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `\t${t}_temp_path ${join(prefix, t)};`).join('\n');
    writeFileSync(
      conf,
      `daemon off;\nmaster_process off;\nworker_processes 1;\npid ${join(prefix, 'nginx.pid')};\nerror_log stderr warn;\n` +
        `events {\n\tworker_connections 4096;\n}\n` +
        `http {\n\taccess_log off;\n${temp}\n\tkeepalive_requests 1000000;\n` +
        `\tserver {\n\t\tlisten 127.0.0.1:${port};\n\t\tlocation / {\n\t\t\treturn 200 "ok";\n\t\t}\n\t}\n}\n`,
    );
    const v = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
    const version = (v.stderr || v.stdout).trim().replace(/^nginx version: /, '');
    return { label: `${version}, 1 worker`, proc: startServer('nginx', 'nginx', ['-p', prefix, '-c', conf, '-e', 'stderr'], dir) };
  }
  // A child process, not this one: wrk runs synchronously and would block it.
  const js = `require('node:http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }); s.end('ok'); }).listen(${port}, '127.0.0.1');`;
  return { label: `node:http ${process.version} (nginx not installed)`, proc: startServer('backend', process.execPath, ['-e', js], dir) };
}

async function benchProxy({ runs, runsGiven }) {
  if (!runsGiven) runs = 3;
  if (!hasCommand('wrk')) throw new Error('wrk is not installed (apt-get install wrk)');
  const withCaddy = hasCommand('caddy');
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-bench-'));
  const started = [];
  try {
    const backendPort = await freePort();
    const backend = startBackend(dir, backendPort);
    started.push(backend.proc);
    await waitReady(backend.proc, `http://127.0.0.1:${backendPort}/`);

    const targets = [{ name: 'direct', port: backendPort, proc: backend.proc }];
    const proxies = tswebServers();
    if (withCaddy) proxies.push({ name: 'caddy', cmd: 'caddy', args: (cfg) => ['run', '--config', cfg, '--adapter', 'caddyfile'], options: '' });
    for (const s of proxies) {
      s.port = await freePort();
      // No `log` directive: no access logs.
      const cfg = join(dir, `Caddyfile.${s.name.replace(/ /g, '_')}`);
      writeFileSync(cfg, `{\n\tadmin off\n\tauto_https off\n${s.options}}\n\n:${s.port} {\n\treverse_proxy 127.0.0.1:${backendPort}\n}\n`);
      s.proc = startServer(s.name, s.cmd, s.args(cfg), dir, s.env);
      started.push(s.proc);
      await waitReady(s.proc, `http://127.0.0.1:${s.port}/`);
      targets.push(s);
    }
    for (const t of targets) {
      const r = await fetch(`http://127.0.0.1:${t.port}/`);
      const body = await r.text();
      if (r.status !== 200 || body !== 'ok') throw new Error(`${t.name} answered ${r.status} with ${JSON.stringify(body.slice(0, 60))}`);
    }
    const loads = PROXY_WRK.map((w) => `-c${w.connections}`).join(' and ');
    console.log(
      `proxy: backend ${backend.label}; wrk -t1 ${loads} -d${WRK.seconds}s (keep-alive), ${runs} runs interleaved after a ${WRK.warmupSeconds} s warm-up; ` +
        (withCaddy ? `reference caddy ${caddyVersion()}` : 'caddy not installed: no reference measured') +
        (cli === builtCli ? '' : `; tsweb ${cli}`) +
        '\n',
    );

    const rows = [['', 'req/s (median)', 'min', 'max', 'p99 (median)', 'socket errors', 'RSS']];
    const ratios = [];
    for (const w of PROXY_WRK) {
      const results = new Map(targets.map((t) => [t.name, []]));
      for (const t of targets) runWrk(`http://127.0.0.1:${t.port}/`, WRK.warmupSeconds, w);
      for (let i = 0; i < runs; i++) {
        for (const t of targets) {
          if (t.proc.child.exitCode !== null) throw new Error(`${t.name} exited during the benchmark: ${t.proc.output()}`);
          results.get(t.name).push(runWrk(`http://127.0.0.1:${t.port}/`, WRK.seconds, w));
        }
      }
      const med = {};
      for (const t of targets) {
        const rs = results.get(t.name).map((r) => r.rps);
        med[t.name] = median(rs);
        const round = (x) => Math.round(x).toLocaleString('en');
        const errors = results.get(t.name).reduce((n, r) => n + r.errors, 0);
        rows.push([`${t.name} c${w.connections}`, round(med[t.name]), round(Math.min(...rs)), round(Math.max(...rs)), latency(median(results.get(t.name).map((r) => r.p99))), errors, `${treeRssMiB(t.proc.child.pid).toFixed(0)} MiB`]);
      }
      ratios.push(`c${w.connections}: ${targets.filter((x) => x.name !== 'caddy' && x.name !== 'direct').map((x) => `${x.name}${withCaddy ? `/caddy ${(med[x.name] / med.caddy).toFixed(2)}x, ` : ''}/direct ${(med[x.name] / med.direct).toFixed(2)}x`).join('; ')}`);
    }
    console.log(table(rows));
    console.log('');
    console.log(`ratios, requests/s: ${ratios.join('; ')} (above 1: tsweb faster)`);
  } finally {
    for (const p of started.reverse()) await stopServer(p);
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
  const exe = join(root, 'dist', 'tsweb');
  if (!existsSync(exe)) throw new Error(`${exe} is missing; run \`npm run build\``);
  const withCaddy = hasCommand('caddy');
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-bench-'));
  try {
    const version = { tsweb: [], bundle: [], caddy: [] };
    const firstByte = { tsweb: [], caddy: [] };
    const pinnedNode = join(root, 'node_modules', 'node', 'bin', 'node');
    for (let i = 0; i < runs; i++) {
      version.tsweb.push(...timeProcess(exe, ['version'], dir, 1).times);
      version.bundle.push(...timeProcess(pinnedNode, [builtCli, 'version'], dir, 1).times);
      if (withCaddy) version.caddy.push(...timeProcess('caddy', ['version'], dir, 1).times);
      for (const who of withCaddy ? ['tsweb', 'caddy'] : ['tsweb']) {
        const port = await freePort();
        const cfg = join(dir, `Caddyfile.${who}`);
        writeFileSync(cfg, `{\n\tadmin off\n\tauto_https off\n}\n\n:${port} {\n\trespond "ok"\n}\n`);
        const args = ['run', '--config', cfg, '--adapter', 'caddyfile'];
        firstByte[who].push(await timeToFirstByte(who === 'tsweb' ? exe : 'caddy', args, dir, port));
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
        ['dist/tsweb run, first byte', ms(median(firstByte.tsweb)), ms(min(firstByte.tsweb)), ratio(firstByte.tsweb, firstByte.caddy)],
        ['caddy run, first byte', ms(withCaddy ? median(firstByte.caddy) : undefined), ms(withCaddy ? min(firstByte.caddy) : undefined), ''],
      ]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------- driver ----------

const benchmarks = { adapt: benchAdapt, static: benchStatic, proxy: benchProxy, regexp: benchRegexp, startup: benchStartup };

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
