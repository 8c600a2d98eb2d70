/**
 * `tsweb fmt`: Caddy's `caddy fmt` (cmd/commandfuncs.go cmdFmt) — same flags,
 * same output, same exit status: printing or diffing a file that is not
 * formatted exits 1 (so `fmt --diff` works as a CI check); reading stdin always
 * exits 0; --overwrite rewrites the file and exits 0.
 */
import { existsSync, fstatSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatCaddyfile, formattingDifference } from '../caddyfile/formatter.js';
import type { Command } from './command.js';
import { describeFsError } from './envfile.js';
import { diffLines, renderDiff } from './linediff.js';

const usage = `Usage: tsweb fmt [--overwrite|-w] [--diff|-d] [--config|-c FILE] [FILE|-]

Formats the Caddyfile by adding proper indentation and spaces to improve
human readability. It prints the result to stdout.

If --overwrite is specified, the output will be written to the config file
directly instead of printing it.

If --diff is specified, the output will be compared against the input, and
lines will be prefixed with '-' and '+' where they differ. Note that
unchanged lines are prefixed with two spaces for alignment, and that this
is not a valid patch format.

Without a FILE, ./Caddyfile is formatted; if there is none and stdin is a
pipe or a file, stdin is read. With - as the FILE, stdin is read; then the
--overwrite and --diff flags have no effect: the result is always printed
to stdout.

Exit status: 0 when the input was already formatted (always, for stdin and
--overwrite), 1 when it was not or could not be read, 2 for usage errors.

Flags:
  -c, --config FILE   Configuration file (instead of the FILE argument)
  -d, --diff          Print the differences between the input file and the formatted output
  -w, --overwrite     Overwrite the input file with the results
  -h, --help          Show this help
`;

export interface FmtIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /**
   * Reads all of stdin; with onlyIfPiped, returns null instead when nothing is
   * piped or redirected into it (a terminal, /dev/null, no stdin at all).
   */
  readStdin(onlyIfPiped: boolean): Promise<string | null>;
  cwd: string;
}

interface FmtArgs {
  file: string;
  overwrite: boolean;
  diff: boolean;
  help: boolean;
}

class UsageError extends Error {}

function parseArgs(args: string[]): FmtArgs {
  const files: string[] = [];
  let config = '';
  let overwrite = false;
  let diff = false;
  let help = false;
  const bool = (name: string, value: string | undefined): boolean => {
    if (value === undefined || value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw new UsageError(`invalid value "${value}" for --${name}`);
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      files.push(...args.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      files.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const value = eq < 0 ? undefined : arg.slice(eq + 1);
    switch (name) {
      case '-w':
      case '--overwrite':
        overwrite = bool('overwrite', value);
        break;
      case '-d':
      case '--diff':
        diff = bool('diff', value);
        break;
      case '-h':
      case '--help':
        help = true;
        break;
      case '-c':
      case '--config': {
        const v = value ?? args[++i];
        if (v === undefined) throw new UsageError(`flag needs an argument: ${name}`);
        config = v;
        break;
      }
      default:
        // pflag-style bundles of short boolean flags: -wd
        if (/^-[wdh]{2,}$/.test(arg)) {
          for (const c of arg.slice(1)) {
            if (c === 'w') overwrite = true;
            else if (c === 'd') diff = true;
            else help = true;
          }
          break;
        }
        throw new UsageError(`unknown flag: ${name}`);
    }
  }
  if (files.length > 1 || (config !== '' && files.length > 0)) {
    throw new UsageError(`fmt does not support multiple files ${[config, ...files].filter(Boolean).join(' ')}`);
  }
  return { file: files[0] ?? config, overwrite, diff, help };
}

export async function runFmt(args: string[], io: FmtIO): Promise<number> {
  let opts: FmtArgs;
  try {
    opts = parseArgs(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`Error: ${err.message}\n\n${usage}`);
    return 2;
  }
  if (opts.help) {
    io.stdout(usage);
    return 0;
  }

  let file = opts.file;
  let stdinInput: string | null = null;
  if (file === '-') {
    stdinInput = await io.readStdin(false);
    if (stdinInput === null) {
      io.stderr('Error: reading stdin: stdin is not readable\n');
      return 1;
    }
  } else if (file === '') {
    file = 'Caddyfile';
    if (!existsSync(resolve(io.cwd, file))) stdinInput = await io.readStdin(true);
  }
  if (stdinInput !== null) {
    io.stdout(formatCaddyfile(stdinInput));
    return 0;
  }

  const path = resolve(io.cwd, file);
  let input: string;
  try {
    input = readFileSync(path, 'utf8');
  } catch (err) {
    io.stderr(`Error: reading input file: ${describeFsError('open', file, err)}\n`);
    return 1;
  }
  const output = formatCaddyfile(input);

  if (opts.overwrite) {
    try {
      writeFileSync(path, output, { mode: 0o600 });
    } catch (err) {
      io.stderr(`Error: overwriting formatted file: ${describeFsError('open', file, err)}\n`);
      return 1;
    }
    return 0;
  }

  if (opts.diff) io.stdout(renderDiff(diffLines(input.split('\n'), output.split('\n'))));
  else io.stdout(output);

  const warning = formattingDifference(file, input);
  if (warning) {
    io.stderr(
      `Error: ${warning.file}:${warning.line}: Caddyfile input is not formatted; Tip: use '--overwrite' to update your Caddyfile in-place instead of previewing it. Consult '--help' for more options\n`,
    );
    return 1;
  }
  return 0;
}

async function readStdin(onlyIfPiped: boolean): Promise<string | null> {
  try {
    const st = fstatSync(0);
    if (onlyIfPiped && !st.isFIFO() && !st.isFile() && !st.isSocket()) return null;
  } catch {
    return null;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Resolves once the chunk is handed to the OS, so process.exit cannot cut output short. */
function writeTo(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (text === '') resolve();
    else stream.write(text, () => resolve());
  });
}

export const command: Command = {
  name: 'fmt',
  summary: 'Formats a Caddyfile',
  usage,
  async run(args) {
    const pending: Promise<void>[] = [];
    const code = await runFmt(args, {
      stdout: (t) => void pending.push(writeTo(process.stdout, t)),
      stderr: (t) => void pending.push(writeTo(process.stderr, t)),
      readStdin,
      cwd: process.cwd(),
    });
    await Promise.all(pending);
    return code;
  },
};
