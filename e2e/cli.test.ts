import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

// The built executable, as users run it: a separate process with real
// stdout, stderr and exit status. `npm test` builds dist/tsweb before vitest runs.
const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'tsweb');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
// The Node.js inside dist/tsweb: the pinned one, whichever node runs vitest.
const embeddedNode = `v${(JSON.parse(readFileSync(join(root, 'node_modules', 'node', 'package.json'), 'utf8')) as { version: string }).version}`;

beforeAll(() => {
  if (!existsSync(cli)) {
    const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  }
});

function tsweb(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}) {
  const r = spawnSync(cli, args, {
    cwd: opts.cwd ?? root,
    env: opts.env ?? { PATH: process.env.PATH },
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: 15000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function workdir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-e2e-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const site = `example.com {
	encode gzip
	handle /api/* {
		reverse_proxy localhost:9001 localhost:9002 {
			lb_policy round_robin
		}
	}
	handle {
		respond "{$GREETING:hello}" 200
	}
}
`;

/** The static_response body of the catch-all handle in `site`. */
function greeting(config: any): string {
  const json = JSON.stringify(config);
  const m = /"body":"([^"]*)","handler":"static_response"/.exec(json);
  if (!m) throw new Error(`no static_response in ${json}`);
  return m[1]!;
}

describe('tsweb version and help', () => {
  it('version prints v<package version> and the Node.js version', () => {
    const r = tsweb(['version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`v${pkg.version} (Node.js ${embeddedNode})\n`);
  });

  it.each([[[]], [['help']], [['--help']]])('%j lists every command and exits 0', (args) => {
    const r = tsweb(args);
    expect(r.code).toBe(0);
    for (const verb of ['adapt', 'fmt', 'help', 'validate', 'version']) expect(r.stdout).toMatch(new RegExp(`^  ${verb} +\\S`, 'm'));
  });

  it.each([
    [['help', 'adapt'], ['--pretty', '--validate', '--envfile', '--adapter']],
    [['adapt', '--help'], ['--pretty', '--validate']],
    [['help', 'validate'], ['--config', '--adapter', '--envfile']],
    [['help', 'fmt'], ['--overwrite', '--diff']],
  ])('%j shows the verb\'s usage', (args, flags) => {
    const r = tsweb(args);
    expect(r.code).toBe(0);
    for (const f of flags) expect(r.stdout).toContain(f);
  });

  it('an unknown command exits 2 and suggests the nearest one', () => {
    const r = tsweb(['adpat', '--config', 'x']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Error: unknown command "adpat" for "tsweb"');
    expect(r.stderr).toContain('Did you mean this?\n\tadapt\n');
  });

  it('an unknown help topic exits 2', () => {
    const r = tsweb(['help', 'serve']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown help topic "serve"');
  });

  it.each([
    [['adapt', '--bogus'], 'Error: unknown flag: --bogus'],
    [['adapt', '-x'], "Error: unknown shorthand flag: 'x' in -x"],
    [['validate', '--config'], 'Error: flag needs an argument: --config'],
    [['adapt', '--pretty=maybe'], 'invalid argument "maybe" for "--pretty" flag'],
  ])('%j exits 2 with the verb\'s usage', (args, message) => {
    const r = tsweb(args, { cwd: workdir({ Caddyfile: site }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain(`Usage:\n  tsweb ${args[0]}`);
    expect(r.stdout).toBe('');
  });
});

describe('tsweb adapt', () => {
  it('adapts ./Caddyfile by default and prints one line of JSON', () => {
    const r = tsweb(['adapt'], { cwd: workdir({ Caddyfile: site }) });
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    const config = JSON.parse(r.stdout);
    const srv = config.apps.http.servers.srv0;
    expect(srv.listen).toEqual([':443']);
    expect(srv.routes[0].match).toEqual([{ host: ['example.com'] }]);
    expect(greeting(config)).toBe('hello');
    expect(r.stderr).toContain('using adjacent Caddyfile');
  });

  it.each([['--config', 'site.caddy'], ['--config=site.caddy'], ['-c', 'site.caddy']].map((a) => [a]))('takes the file from %j', (args) => {
    const r = tsweb(['adapt', ...args], { cwd: workdir({ 'site.caddy': site }) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).apps.http.servers.srv0.listen).toEqual([':443']);
  });

  it('--pretty indents with tabs, and is the same config', () => {
    const dir = workdir({ Caddyfile: site });
    const compact = tsweb(['adapt'], { cwd: dir });
    const pretty = tsweb(['adapt', '--pretty'], { cwd: dir });
    expect(pretty.code).toBe(0);
    expect(pretty.stdout).toMatch(/^\{\n\t"apps": \{\n\t\t"http": \{/);
    expect(JSON.parse(pretty.stdout)).toEqual(JSON.parse(compact.stdout));
  });

  it('--envfile feeds {$VAR}; the process environment wins', () => {
    const dir = workdir({ Caddyfile: site, 'prod.env': '# deploy settings\nexport GREETING="hi from envfile"\n' });
    const fromFile = tsweb(['adapt', '--envfile', 'prod.env'], { cwd: dir });
    expect(fromFile.code).toBe(0);
    expect(greeting(JSON.parse(fromFile.stdout))).toBe('hi from envfile');
    const fromEnv = tsweb(['adapt', '--envfile', 'prod.env'], { cwd: dir, env: { PATH: process.env.PATH, GREETING: 'from env' } });
    expect(greeting(JSON.parse(fromEnv.stdout))).toBe('from env');
  });

  it('a config error exits 1 with file:line:col, the line and a caret', () => {
    const dir = workdir({ Caddyfile: 'example.com {\n\tencode gzip\n\trespond_with hi\n}\n' });
    const r = tsweb(['adapt'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.at(-3)).toMatch(/^Error: .*respond_with.*Caddyfile:3:2/);
    expect(lines.at(-2)).toBe('3 | \trespond_with hi');
    expect(lines.at(-1)).toBe(`${' '.repeat(8)}^`);
  });

  it('an error in an imported snippet names the import chain and shows the snippet\'s line', () => {
    const dir = workdir({ Caddyfile: '(common) {\n\tencode gzip\n\tnot_a_directive\n}\nexample.com {\n\timport common\n}\n' });
    const r = tsweb(['adapt'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not_a_directive');
    expect(r.stderr).toContain("import chain ['Caddyfile:6 (import common)']");
    expect(r.stderr).toContain('3 | \tnot_a_directive');
  });

  it('a missing file exits 1 and says so', () => {
    const r = tsweb(['adapt', '--config', 'nope.caddy'], { cwd: workdir({}) });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: reading input file: open nope.caddy: no such file or directory\n');
  });

  it('without a file and without ./Caddyfile, exits 1 and asks for --config', () => {
    const r = tsweb(['adapt'], { cwd: workdir({}) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('input file required when there is no Caddyfile in current directory (use --config flag)');
  });

  it('an unknown adapter exits 2', () => {
    const r = tsweb(['adapt', '--adapter', 'nginx'], { cwd: workdir({ Caddyfile: site }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Error: unrecognized config adapter: nginx');
  });

  it('warnings go to stderr as JSON log lines when stderr is not a terminal; stdout stays pure JSON', () => {
    const r = tsweb(['adapt'], { cwd: workdir({ Caddyfile: ':80 {\n    respond hi\n}\n' }) });
    expect(r.code).toBe(0);
    JSON.parse(r.stdout);
    const warnings = r.stderr.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ logger: 'caddyfile', file: 'Caddyfile', line: 2 });
    expect(warnings[0].msg).toContain('not formatted');
  });

  it('--validate exits 1 on a config that adapts but cannot be loaded', () => {
    const json = '{"apps":{"http":{"servers":{"a":{"listen":[":8080"]},"b":{"listen":[":8080"]}}}}}';
    const r = tsweb(['adapt', '--adapter', 'json', '--config', 'c.json', '--validate'], { cwd: workdir({ 'c.json': json }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error: validation: ');
    expect(r.stderr).toContain('listener address repeated: tcp/:8080');
  });

  it('stops quietly when the reader closes the pipe early (| head)', () => {
    const sites = Array.from({ length: 1500 }, (_, i) => `site${i}.example.com {\n\trespond "site ${i}"\n}\n`).join('');
    const dir = workdir({ Caddyfile: sites });
    const r = spawnSync('sh', ['-c', `"${cli}" adapt --pretty 2>err.txt | head -n 1; cat err.txt`], { cwd: dir, encoding: 'utf8' });
    expect(r.stdout.split('\n')[0]).toBe('{');
    expect(r.stdout).not.toMatch(/Error|EPIPE/);
  });

  it('writes a large config to a pipe in full', () => {
    const sites = Array.from({ length: 1500 }, (_, i) => `site${i}.example.com {\n\trespond "site ${i}"\n}\n`).join('');
    const r = tsweb(['adapt'], { cwd: workdir({ Caddyfile: sites }) });
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(100_000);
    expect(JSON.parse(r.stdout).apps.http.servers.srv0.routes).toHaveLength(1500);
  });
});

describe('tsweb validate', () => {
  it('prints "Valid configuration" for a good Caddyfile', () => {
    const r = tsweb(['validate'], { cwd: workdir({ Caddyfile: site }) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Valid configuration\n');
  });

  it('validates JSON files by their name', () => {
    const json = '{"apps":{"http":{"servers":{"a":{"listen":[":8080"],"routes":[{"handle":[{"handler":"static_response","body":"x"}]}]}}}}}';
    const r = tsweb(['validate', '--config', 'caddy.json'], { cwd: workdir({ 'caddy.json': json }) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Valid configuration\n');
  });

  it.each([
    ['a Caddyfile error', { Caddyfile: ':80 {\n\trespond_with hi\n}\n' }, [], /Error: adapting config using caddyfile: .*respond_with/],
    ['an unknown handler', { 'c.json': '{"apps":{"http":{"servers":{"a":{"listen":[":80"],"routes":[{"handle":[{"handler":"teapot"}]}]}}}}}' }, ['-c', 'c.json'], /unknown module: http\.handlers\.teapot/],
    ['a Caddyfile read as JSON', { 'site.conf': site }, ['-c', 'site.conf'], /config is not valid JSON/],
  ])('exits 1 on %s', (_name, files, args, message) => {
    const r = tsweb(['validate', ...args], { cwd: workdir(files) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });
});

describe('tsweb fmt', () => {
  it('prints the formatted Caddyfile and exits 1 when the input was not formatted', () => {
    const r = tsweb(['fmt'], { cwd: workdir({ Caddyfile: 'example.com {\n  respond hi\n}\n' }) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('example.com {\n\trespond hi\n}\n');
    expect(r.stderr).toContain('Caddyfile:2: Caddyfile input is not formatted');
  });

  it('exits 0 on a formatted file and formats stdin with -', () => {
    expect(tsweb(['fmt', 'Caddyfile'], { cwd: workdir({ Caddyfile: 'example.com {\n\trespond hi\n}\n' }) }).code).toBe(0);
    const r = tsweb(['fmt', '-'], { input: 'a {\nb\n}\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('a {\n\tb\n}\n');
  });
});
