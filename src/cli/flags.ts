/**
 * Command-line flags the way Caddy's CLI (spf13/pflag) reads them, so muscle
 * memory carries over: `--config F`, `--config=F`, `-c F`, `-c=F`, `-cF`,
 * booleans as `--pretty` or `--pretty=false`, bundled short booleans (`-wd`),
 * repeatable list flags, and `--` to end flag parsing.
 */

export type FlagType = 'string' | 'bool' | 'list';

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  /** Shown in help after the name, for string and list flags. */
  valueName?: string;
  /** Shown in help as `(default "x")`; the parsed value starts as this. */
  default?: string;
  help: string;
}

export interface ParsedFlags {
  strings: Map<string, string>;
  bools: Map<string, boolean>;
  lists: Map<string, string[]>;
  positional: string[];
  /** `-h` / `--help` was given. */
  help: boolean;
}

/** Bad command-line input: the verb prints it with its usage and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const helpSpec: FlagSpec = { name: 'help', short: 'h', type: 'bool', help: 'Show this help' };

/** strconv.ParseBool, which is what pflag uses for `--flag=value`. */
function parseBool(flag: string, value: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new UsageError(`invalid argument "${value}" for "${flag}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`);
}

export function parseFlags(args: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const all = [...specs, helpSpec];
  const byName = new Map(all.map((s) => [s.name, s]));
  const byShort = new Map(all.filter((s) => s.short).map((s) => [s.short!, s]));
  const out: ParsedFlags = { strings: new Map(), bools: new Map(), lists: new Map(), positional: [], help: false };
  for (const s of specs) {
    if (s.type === 'string') out.strings.set(s.name, s.default ?? '');
    else if (s.type === 'bool') out.bools.set(s.name, s.default === 'true');
    else out.lists.set(s.name, []);
  }

  const set = (spec: FlagSpec, shown: string, value: string | undefined, takeNext: () => string | undefined): void => {
    if (spec.type === 'bool') {
      const v = value === undefined ? true : parseBool(shown, value);
      if (spec === helpSpec) out.help = v;
      else out.bools.set(spec.name, v);
      return;
    }
    const v = value ?? takeNext();
    if (v === undefined) throw new UsageError(`flag needs an argument: ${shown}`);
    if (spec.type === 'string') out.strings.set(spec.name, v);
    else out.lists.get(spec.name)!.push(v);
  };

  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const takeNext = (): string | undefined => (i + 1 < args.length ? args[++i] : undefined);
    if (arg === '--') {
      out.positional.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = byName.get(name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
      set(spec, `--${name}`, eq < 0 ? undefined : arg.slice(eq + 1), takeNext);
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') {
      // Short flags: booleans may be bundled; a value-taking flag ends the bundle
      // and takes the rest of the word (`-cFILE`, `-c=FILE`) or the next word.
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j]!;
        const spec = byShort.get(c);
        if (!spec) throw new UsageError(`unknown shorthand flag: '${c}' in ${arg}`);
        const rest = arg.slice(j + 1);
        if (spec.type === 'bool') {
          if (rest.startsWith('=')) {
            set(spec, `-${c}`, rest.slice(1), takeNext);
            break;
          }
          set(spec, `-${c}`, undefined, takeNext);
          continue;
        }
        set(spec, `-${c}`, rest === '' ? undefined : rest.replace(/^=/, ''), takeNext);
        break;
      }
      continue;
    }
    out.positional.push(arg);
  }
  return out;
}

/** The `Flags:` section of a verb's help, aligned like pflag's. */
export function flagsHelp(specs: readonly FlagSpec[]): string {
  const rows = [...specs, helpSpec].map((s) => {
    const names = `${s.short ? `-${s.short}, ` : '    '}--${s.name}`;
    const value = s.type === 'bool' ? '' : ` ${s.valueName ?? 'string'}`;
    const def = s.default && s.type !== 'bool' ? ` (default "${s.default}")` : '';
    return [`${names}${value}`, `${s.help}${def}`] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, r]) => `  ${l.padEnd(width)}   ${r}`).join('\n');
}

/** pflag's StringSlice: a repeatable flag whose every value is a comma-separated list. */
export function stringSlice(opts: ParsedFlags, name: string): string[] {
  return (opts.lists.get(name) ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}
