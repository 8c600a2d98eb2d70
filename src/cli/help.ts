/**
 * `tsweb help [COMMAND]` and the root usage, plus cobra's "Did you mean
 * this?" suggestions for mistyped commands.
 */
import type { Command } from './command.js';
import { flagsHelp, parseFlags } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { runVerb } from './verb.js';
import { editDistance } from '../adapt/suggest.js';

const helpUsage = `Shows the list of commands, or the full help of one command.

Usage:
  tsweb help [<command>]

Flags:
${flagsHelp([])}
`;

export function rootUsage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const list = [...commands]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`)
    .join('\n');
  return `tsweb is a web server and reverse proxy that speaks Caddy's language:
the same Caddyfile, the same JSON config, the same commands.

Usage:
  tsweb <command> [flags]

Commands:
${list}

Use "tsweb help <command>" or "tsweb <command> --help" for more about a command.
`;
}

/** Commands within edit distance 2 of `typed`, or that it is a prefix of (cobra's rule). */
export function suggestCommands(typed: string, names: readonly string[]): string[] {
  const t = typed.toLowerCase();
  return names.filter((n) => editDistance(t, n.toLowerCase()) <= 2 || (t !== '' && n.toLowerCase().startsWith(t)));
}

/** The "unknown command" message with suggestions, for main and for `help`. */
export function unknownCommandMessage(what: string, typed: string, names: readonly string[]): string {
  const near = suggestCommands(typed, names);
  const hint = near.length ? `\nDid you mean this?\n${near.map((n) => `\t${n}\n`).join('')}` : '';
  return `Error: unknown ${what} "${typed}" for "tsweb"\n${hint}\nRun 'tsweb help' for usage.\n`;
}

export async function runHelp(args: string[], io: CliIO, commands: readonly Command[]): Promise<number> {
  return runVerb(io, helpUsage, async () => {
    const opts = parseFlags(args, []);
    if (opts.help) {
      io.stdout(helpUsage);
      return 0;
    }
    const [topic] = opts.positional;
    if (topic === undefined) {
      io.stdout(rootUsage(commands));
      return 0;
    }
    const cmd = commands.find((c) => c.name === topic);
    if (!cmd) {
      io.stderr(unknownCommandMessage('help topic', topic, commands.map((c) => c.name)));
      return 2;
    }
    io.stdout(cmd.usage);
    return 0;
  });
}

export function helpCommand(commands: () => readonly Command[]): Command {
  return {
    name: 'help',
    summary: 'Shows help for tsweb or one of its commands',
    usage: helpUsage,
    run: (args) => runHelp(args, processIO(), commands()),
  };
}
