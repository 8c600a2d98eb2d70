import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAdapt } from '../../src/cli/adapt.js';
import type { CliIO } from '../../src/cli/io.js';
import { configJSON, guessAdapter } from '../../src/cli/loadconfig.js';
import { formatLogLine } from '../../src/cli/log.js';
import { runValidate } from '../../src/cli/validate.js';
import { suggestCommands } from '../../src/cli/help.js';

function fakeIO(cwd: string, opts: { env?: NodeJS.ProcessEnv; stdin?: string; tty?: boolean } = {}) {
  const out = { stdout: '', stderr: '' };
  const io: CliIO = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    cwd,
    env: opts.env ?? {},
    stderrIsTTY: opts.tty ?? false,
    readStdin: async () => opts.stdin ?? '',
  };
  return { io, out };
}

function workdir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const site = ':8080 {\n\trespond "{$GREETING:hello}"\n}\n';

describe('adapt in-process', () => {
  it('reads ./Caddyfile by default, logs that it did, and prints compact JSON', async () => {
    const { io, out } = fakeIO(workdir({ Caddyfile: site }));
    expect(await runAdapt([], io)).toBe(0);
    const config = JSON.parse(out.stdout);
    expect(config.apps.http.servers.srv0.listen).toEqual([':8080']);
    expect(out.stdout.endsWith('}\n')).toBe(true);
    expect(out.stdout.trim()).not.toContain('\n');
    expect(JSON.parse(out.stderr.trim())).toMatchObject({ level: 'info', msg: 'using adjacent Caddyfile' });
  });

  it('substitutes {$VAR} from --envfile, without overriding the environment', async () => {
    const dir = workdir({ Caddyfile: site, 'a.env': 'GREETING=from-envfile\n' });
    const run = async (env: NodeJS.ProcessEnv) => {
      const { io, out } = fakeIO(dir, { env });
      expect(await runAdapt(['--envfile', 'a.env'], io)).toBe(0);
      return JSON.parse(out.stdout).apps.http.servers.srv0.routes[0].handle[0].body;
    };
    expect(await run({})).toBe('from-envfile');
    expect(await run({ GREETING: 'from-env' })).toBe('from-env');
  });

  it('logs adapter warnings as Caddy does: logger named after the adapter, file and line fields', async () => {
    const { io, out } = fakeIO(workdir({ Caddyfile: 'import nothing-here-*.conf\n:80 {\n\trespond hi\n}\n' }));
    expect(await runAdapt(['--config', 'Caddyfile'], io)).toBe(0);
    const warn = JSON.parse(out.stderr.trim().split('\n').at(-1)!);
    expect(warn).toMatchObject({ level: 'warn', logger: 'caddyfile', file: 'Caddyfile', line: 1 });
    expect(warn.msg).toContain('nothing-here-*.conf');
  });

  it('passes JSON through with --adapter json', async () => {
    const { io, out } = fakeIO(workdir({ 'c.json': '{"apps": {"http": {"servers": {}}}}' }));
    expect(await runAdapt(['--config', 'c.json', '--adapter', 'json', '--pretty'], io)).toBe(0);
    expect(out.stdout).toBe('{\n\t"apps": {\n\t\t"http": {\n\t\t\t"servers": {}\n\t\t}\n\t}\n}\n');
  });

  it.each([
    [['--adapter', 'yaml'], 2, 'Error: unrecognized config adapter: yaml (known adapters: caddyfile, json)'],
    [['--adapter='], 2, 'Error: adapter name is required'],
    [['--bogus'], 2, 'Error: unknown flag: --bogus\n\nAdapts a configuration'],
    [['extra'], 2, 'Error: unexpected argument: extra'],
    [['-c', 'missing'], 1, 'Error: reading input file: open missing: no such file or directory'],
    [['--envfile', 'missing.env'], 1, 'Error: loading additional environment variables: reading environment file: open missing.env'],
  ])('%j exits %i', async (args, code, message) => {
    const { io, out } = fakeIO(workdir({ Caddyfile: site }));
    expect(await runAdapt(args, io)).toBe(code);
    expect(out.stderr).toContain(message);
    expect(out.stdout).toBe('');
  });

  it('needs a config file when there is no ./Caddyfile', async () => {
    const { io, out } = fakeIO(workdir({}));
    expect(await runAdapt([], io)).toBe(1);
    expect(out.stderr).toBe('Error: input file required when there is no Caddyfile in current directory (use --config flag)\n');
  });

  it('reads stdin with --config -', async () => {
    const { io, out } = fakeIO(workdir({}), { stdin: ':9000 {\n\trespond x\n}\n' });
    expect(await runAdapt(['--config', '-'], io)).toBe(0);
    expect(JSON.parse(out.stdout).apps.http.servers.srv0.listen).toEqual([':9000']);
  });

  it('shows a Caddyfile error with its position, the line and a caret', async () => {
    const { io, out } = fakeIO(workdir({ Caddyfile: ':80 {\n\trespond hi\n\tbogus_directive x\n}\n' }));
    expect(await runAdapt([], io)).toBe(1);
    const lines = out.stderr.trim().split('\n');
    expect(lines.at(-3)).toMatch(/^Error: .*bogus_directive.*Caddyfile:3/);
    expect(lines.at(-2)).toBe('3 | \tbogus_directive x');
    expect(lines.at(-1)).toBe(`${' '.repeat(8)}^`);
  });

  it('--validate reports a config Caddy would refuse, after printing it', async () => {
    const { io, out } = fakeIO(workdir({ 'c.json': '{"apps": {"http": {"servers": {"a": {"listen": [":80"]}, "b": {"listen": [":80"]}}}}}' }));
    expect(await runAdapt(['-c', 'c.json', '--adapter', 'json', '--validate'], io)).toBe(1);
    expect(out.stdout).toContain('"servers"');
    expect(out.stderr).toContain("Error: validation: loading http app module: http: invalid configuration: server b: listener address repeated: tcp/:80 (already claimed by server 'a')");
  });
});

describe('validate in-process', () => {
  it('adapts a Caddyfile and says "Valid configuration"', async () => {
    const { io, out } = fakeIO(workdir({ Caddyfile: site }));
    expect(await runValidate([], io)).toBe(0);
    expect(out.stdout).toBe('Valid configuration\n');
  });

  it('reads a file not named like a Caddyfile as JSON unless told otherwise', async () => {
    const dir = workdir({ 'site.conf': site });
    const asJSON = fakeIO(dir);
    expect(await runValidate(['--config', 'site.conf'], asJSON.io)).toBe(1);
    expect(asJSON.out.stderr).toContain('Error: config is not valid JSON');
    expect(asJSON.out.stderr).toContain('did you mean to use a config adapter (the --adapter flag)?');
    const asCaddyfile = fakeIO(dir);
    expect(await runValidate(['--config', 'site.conf', '--adapter', 'caddyfile'], asCaddyfile.io)).toBe(0);
  });

  it('prefixes adapter errors the way caddy validate does', async () => {
    const { io, out } = fakeIO(workdir({ Caddyfile: ':80 {\n\tbogus_directive\n}\n' }));
    expect(await runValidate([], io)).toBe(1);
    expect(out.stderr).toMatch(/Error: adapting config using caddyfile: .*bogus_directive/);
    expect(out.stdout).toBe('');
  });

  it('refuses what run refuses: a handler config run cannot provision, an admin block it cannot serve', async () => {
    const badField = fakeIO(workdir({ 'c.json': '{"apps": {"http": {"servers": {"a": {"listen": [":80"], "routes": [{"handle": [{"handler": "encode", "minimum_length": "big"}]}]}}}}}' }));
    expect(await runValidate(['-c', 'c.json'], badField.io)).toBe(1);
    expect(badField.out.stderr).toContain("loading module 'encode': provision http.handlers.encode: minimum_length: json: cannot unmarshal string into Go value of type int");
    const remoteAdmin = fakeIO(workdir({ 'c.json': '{"admin": {"remote": {"listen": ":2021"}}}' }));
    expect(await runValidate(['-c', 'c.json'], remoteAdmin.io)).toBe(1);
    expect(remoteAdmin.out.stderr).toContain('admin.remote: remote administration is not implemented in tsweb yet');
  });

  it('fails on a JSON config with an unknown handler', async () => {
    const { io, out } = fakeIO(workdir({ 'c.json': '{"apps": {"http": {"servers": {"a": {"listen": [":80"], "routes": [{"handle": [{"handler": "nope"}]}]}}}}}' }));
    expect(await runValidate(['-c', 'c.json'], io)).toBe(1);
    expect(out.stderr).toContain('unknown module: http.handlers.nope');
  });
});

describe('helpers', () => {
  it.each([
    ['Caddyfile', '', 'caddyfile'],
    ['caddyfile.prod', '', 'caddyfile'],
    ['/etc/caddy/Caddyfile', '', 'caddyfile'],
    ['site.caddyfile', '', 'caddyfile'],
    ['Caddyfile.json', '', ''],
    ['config.json', '', ''],
    ['site.conf', '', ''],
    ['site.conf', 'caddyfile', 'caddyfile'],
  ])('guessAdapter(%s, %j) = %j', (file, adapter, want) => {
    expect(guessAdapter(file, adapter)).toBe(want);
  });

  it('escapes <, > and & like Go\'s encoding/json', () => {
    expect(configJSON({ body: '<a href="x">&</a>\u2028' }, false)).toBe('{"body":"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e\\u2028"}');
  });

  it('formats log lines as JSON for pipes and as zap console lines for terminals', () => {
    const now = new Date(2026, 0, 2, 3, 4, 5, 6);
    const json = JSON.parse(formatLogLine('json', now, 'warn', 'caddyfile', 'msg', { file: 'F', line: 2 }));
    expect(json).toEqual({ level: 'warn', ts: now.getTime() / 1000, logger: 'caddyfile', msg: 'msg', file: 'F', line: 2 });
    expect(formatLogLine('console', now, 'warn', 'caddyfile', 'msg', { file: 'F', line: 2 })).toBe(
      '2026/01/02 03:04:05.006\tWARN\tcaddyfile\tmsg\t{"file": "F", "line": 2}\n',
    );
    expect(formatLogLine('console', now, 'info', '', 'using adjacent Caddyfile')).toBe('2026/01/02 03:04:05.006\tINFO\tusing adjacent Caddyfile\n');
  });

  it.each([
    ['fmy', ['fmt']],
    ['adpat', ['adapt']],
    ['valid', ['validate']],
    ['ver', ['version']],
    ['serve', []],
  ])('suggests commands for %s', (typed, want) => {
    expect(suggestCommands(typed, ['adapt', 'fmt', 'help', 'validate', 'version'])).toEqual(want);
  });
});
