#!/usr/bin/env node
// Benchmarks: `npm run bench [-- NAME... ] [--runs N]` (default: all, 5 runs).
// Each benchmark reports medians and a ratio against a reference measured in
// the same invocation on the same machine, so numbers compare across runs.
//
//   adapt   a generated 1,000-site Caddyfile: `tsweb adapt` as a process
//           (dist/tsweb.cjs, Node start-up included), adaptCaddyfile() in
//           process (after one warm-up), and `caddy adapt` (Debian's caddy).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'tsweb.cjs');
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

// ---------- driver ----------

const benchmarks = { adapt: benchAdapt };

async function main(argv) {
  let runs = 5;
  const names = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs' || a.startsWith('--runs=')) {
      runs = Number(a.includes('=') ? a.slice(7) : argv[++i]);
      if (!Number.isInteger(runs) || runs < 1) {
        console.error('Error: --runs needs a positive integer');
        return 2;
      }
    } else if (a === '-h' || a === '--help') {
      console.log(`Usage: npm run bench -- [${Object.keys(benchmarks).join('|')}]... [--runs N]`);
      return 0;
    } else if (a in benchmarks) {
      names.push(a);
    } else {
      console.error(`Error: unknown benchmark "${a}" (known: ${Object.keys(benchmarks).join(', ')})`);
      return 2;
    }
  }
  if (!existsSync(cli)) {
    console.error('Error: dist/tsweb.cjs is missing; run `npm run build` first (npm run bench does)');
    return 1;
  }
  let failed = 0;
  for (const name of names.length ? names : Object.keys(benchmarks)) {
    try {
      await benchmarks[name]({ runs });
    } catch (err) {
      failed++;
      console.error(`benchmark ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    console.log('');
  }
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
