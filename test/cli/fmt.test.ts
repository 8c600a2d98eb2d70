import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { command, runFmt } from '../../src/cli/fmt.js';
import { diffLines, renderDiff } from '../../src/cli/linediff.js';

const UNFORMATTED = 'example.com {\n  reverse_proxy   localhost:8080\n}\n';
const FORMATTED = 'example.com {\n\treverse_proxy localhost:8080\n}\n';
const NOT_FORMATTED_ERR =
  "Error: Caddyfile:2: Caddyfile input is not formatted; Tip: use '--overwrite' to update your Caddyfile in-place instead of previewing it. Consult '--help' for more options\n";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsweb-fmt-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function fmt(args: string[], stdin: string | null = null) {
  let stdout = '';
  let stderr = '';
  const stdinReads: boolean[] = [];
  const code = await runFmt(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readStdin: async (onlyIfPiped) => {
      stdinReads.push(onlyIfPiped);
      return onlyIfPiped ? stdin : (stdin ?? '');
    },
    cwd: dir,
  });
  return { code, stdout, stderr, stdinReads };
}

describe('tsweb fmt', () => {
  it('prints the formatted ./Caddyfile and exits 1 because it was not formatted', async () => {
    writeFileSync(join(dir, 'Caddyfile'), UNFORMATTED);
    expect(await fmt([])).toEqual({ code: 1, stdout: FORMATTED, stderr: NOT_FORMATTED_ERR, stdinReads: [] });
  });

  it('exits 0 when the file is already formatted', async () => {
    writeFileSync(join(dir, 'site.caddy'), FORMATTED);
    expect(await fmt(['site.caddy'])).toMatchObject({ code: 0, stdout: FORMATTED, stderr: '' });
  });

  it('--config names the file too', async () => {
    writeFileSync(join(dir, 'site.caddy'), FORMATTED);
    expect(await fmt(['--config', 'site.caddy'])).toMatchObject({ code: 0, stdout: FORMATTED });
    expect(await fmt(['-c=site.caddy'])).toMatchObject({ code: 0, stdout: FORMATTED });
  });

  it.each([['--overwrite'], ['-w']])('%s rewrites the file, prints nothing and exits 0', async (flag) => {
    const path = join(dir, 'Caddyfile');
    writeFileSync(path, UNFORMATTED);
    expect(await fmt([flag, path])).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(path, 'utf8')).toBe(FORMATTED);
  });

  it.each([['--diff'], ['-d']])("%s prints Caddy's line diff and exits 1 when the file differs", async (flag) => {
    writeFileSync(join(dir, 'Caddyfile'), UNFORMATTED);
    const r = await fmt([flag]);
    expect(r.stdout).toBe('  example.com {\n-   reverse_proxy   localhost:8080\n+ \treverse_proxy localhost:8080\n  }\n  \n');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(NOT_FORMATTED_ERR);
  });

  it('--diff of a formatted file lists every line as common and exits 0', async () => {
    writeFileSync(join(dir, 'Caddyfile'), FORMATTED);
    expect(await fmt(['--diff'])).toMatchObject({
      code: 0,
      stdout: '  example.com {\n  \treverse_proxy localhost:8080\n  }\n  \n',
      stderr: '',
    });
  });

  it('- reads stdin, prints the result and exits 0 even if it was not formatted; -w and -d have no effect', async () => {
    expect(await fmt(['-'], UNFORMATTED)).toEqual({ code: 0, stdout: FORMATTED, stderr: '', stdinReads: [false] });
    expect(await fmt(['-w', '-d', '-'], UNFORMATTED)).toMatchObject({ code: 0, stdout: FORMATTED });
  });

  it('with no file and no ./Caddyfile, reads piped stdin', async () => {
    expect(await fmt([], UNFORMATTED)).toEqual({ code: 0, stdout: FORMATTED, stderr: '', stdinReads: [true] });
  });

  it('./Caddyfile wins over piped stdin', async () => {
    writeFileSync(join(dir, 'Caddyfile'), FORMATTED);
    expect(await fmt([], 'other {\n}\n')).toMatchObject({ code: 0, stdout: FORMATTED, stdinReads: [] });
  });

  it('with no file, no ./Caddyfile and nothing piped, fails like Caddy', async () => {
    expect(await fmt([])).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: reading input file: open Caddyfile: no such file or directory\n',
    });
  });

  it('an unreadable file is exit 1', async () => {
    expect(await fmt(['missing.caddy'])).toMatchObject({
      code: 1,
      stderr: 'Error: reading input file: open missing.caddy: no such file or directory\n',
    });
  });

  it.each([
    [['--bogus'], 'unknown flag: --bogus'],
    [['a', 'b'], 'fmt does not support multiple files a b'],
    [['--config', 'a', 'b'], 'fmt does not support multiple files a b'],
    [['--config'], 'flag needs an argument: --config'],
    [['--diff=maybe'], 'invalid value "maybe" for --diff'],
  ])('usage error %j exits 2', async (args, message) => {
    const r = await fmt(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Error: ${message}\n`);
    expect(r.stderr).toContain('Usage: tsweb fmt');
  });

  it('--help prints the usage and exits 0', async () => {
    const r = await fmt(['--help']);
    expect(r).toMatchObject({ code: 0, stdout: command.usage });
    expect(command.name).toBe('fmt');
    expect(command.summary).toBe('Formats a Caddyfile');
  });
});

describe('line diff (aryann/difflib, as Caddy uses it)', () => {
  // Cases from aryann/difflib's difflib_test.go (MIT).
  const cases: [a: string, b: string, expected: string][] = [
    ['', '', '  \n'],
    ['one\ntwo\nthree\n', 'one\nfive\nthree\n', '  one\n- two\n+ five\n  three\n  \n'],
    [
      'Beethoven\nBach\nMozart\nChopin\n',
      'Beethoven\nBach\nBrahms\nChopin\nLiszt\nWagner\n',
      '  Beethoven\n  Bach\n- Mozart\n+ Brahms\n  Chopin\n+ Liszt\n+ Wagner\n  \n',
    ],
    [
      'adagio\nvivace\nstaccato legato\npresto\nlento\n',
      'adagio adagio\nstaccato\nstaccato legato\nstaccato\nlegato\nallegro\n',
      '- adagio\n- vivace\n+ adagio adagio\n+ staccato\n  staccato legato\n- presto\n- lento\n+ staccato\n+ legato\n+ allegro\n  \n',
    ],
  ];
  it.each(cases)('%j vs %j', (a, b, expected) => {
    expect(renderDiff(diffLines(a.split('\n'), b.split('\n')))).toBe(expected);
  });
});

describe('line diff on huge inputs', () => {
  it('falls back to removed-then-added instead of building a gigantic table', () => {
    const a = Array.from({ length: 5000 }, (_, i) => `  line ${i}`);
    const b = Array.from({ length: 5000 }, (_, i) => `\tline ${i}`);
    const d = diffLines(['head', ...a, 'tail'], ['head', ...b, 'tail']);
    expect(d.length).toBe(10002);
    expect(d[0]).toEqual({ kind: 'common', text: 'head' });
    expect(d[1]).toEqual({ kind: 'left', text: '  line 0' });
    expect(d[5001]).toEqual({ kind: 'right', text: '\tline 0' });
    expect(d[10001]).toEqual({ kind: 'common', text: 'tail' });
  });
});
