import { describe, expect, it } from 'vitest';
import { type FlagSpec, flagsHelp, parseFlags, UsageError } from '../../src/cli/flags.js';

const specs: FlagSpec[] = [
  { name: 'config', short: 'c', type: 'string', help: 'Config file' },
  { name: 'adapter', type: 'string', default: 'caddyfile', help: 'Adapter' },
  { name: 'pretty', type: 'bool', help: 'Pretty' },
  { name: 'overwrite', short: 'w', type: 'bool', help: 'Overwrite' },
  { name: 'diff', short: 'd', type: 'bool', help: 'Diff' },
  { name: 'envfile', type: 'list', help: 'Env files' },
];

describe('parseFlags accepts the forms Caddy users type', () => {
  it.each([
    [['--config', 'F'], 'F'],
    [['--config=F'], 'F'],
    [['-c', 'F'], 'F'],
    [['-c=F'], 'F'],
    [['-cF'], 'F'],
    [['--config='], ''],
    [['--config', '-'], '-'],
  ])('%j', (args, config) => {
    expect(parseFlags(args, specs).strings.get('config')).toBe(config);
  });

  it('fills defaults and leaves unset booleans false', () => {
    const p = parseFlags([], specs);
    expect(p.strings.get('adapter')).toBe('caddyfile');
    expect(p.strings.get('config')).toBe('');
    expect(p.bools.get('pretty')).toBe(false);
    expect(p.lists.get('envfile')).toEqual([]);
  });

  it.each([
    [['--pretty'], true],
    [['--pretty=true'], true],
    [['--pretty=1'], true],
    [['--pretty=false'], false],
    [['--pretty', '--pretty=F'], false],
  ])('boolean %j', (args, value) => {
    expect(parseFlags(args, specs).bools.get('pretty')).toBe(value);
  });

  it('bundles short booleans', () => {
    const p = parseFlags(['-wd'], specs);
    expect([p.bools.get('overwrite'), p.bools.get('diff')]).toEqual([true, true]);
  });

  it('collects repeated list flags in order', () => {
    expect(parseFlags(['--envfile', 'a', '--envfile=b'], specs).lists.get('envfile')).toEqual(['a', 'b']);
  });

  it('keeps positionals, - and everything after --', () => {
    const p = parseFlags(['x', '-', '--pretty', '--', '--config', 'y'], specs);
    expect(p.positional).toEqual(['x', '-', '--config', 'y']);
    expect(p.strings.get('config')).toBe('');
  });

  it.each([['-h'], ['--help']])('%s asks for help', (arg) => {
    expect(parseFlags([arg], specs).help).toBe(true);
  });

  it.each([
    [['--bogus'], 'unknown flag: --bogus'],
    [['--bogus=1'], 'unknown flag: --bogus'],
    [['-x'], "unknown shorthand flag: 'x' in -x"],
    [['-wx'], "unknown shorthand flag: 'x' in -wx"],
    [['--config'], 'flag needs an argument: --config'],
    [['-c'], 'flag needs an argument: -c'],
    [['--pretty=yes'], 'invalid argument "yes" for "--pretty" flag: strconv.ParseBool: parsing "yes": invalid syntax'],
  ])('rejects %j', (args, message) => {
    expect(() => parseFlags(args, specs)).toThrow(UsageError);
    expect(() => parseFlags(args, specs)).toThrow(message);
  });
});

describe('flagsHelp', () => {
  it('lists every flag, aligned, with defaults and the help flag', () => {
    const lines = flagsHelp(specs).split('\n');
    expect(lines).toContain('  -c, --config string    Config file');
    expect(lines).toContain('      --adapter string   Adapter (default "caddyfile")');
    expect(lines.at(-1)).toBe('  -h, --help             Show this help');
  });
});
