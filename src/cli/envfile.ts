/**
 * `--envfile`: KEY=VALUE files as Caddy reads them (cmd/main.go parseEnvFile):
 * blank lines and `#` comments skipped, an optional `export ` prefix, a
 * trailing `# comment` cut from unquoted values, and single- or double-quoted
 * values that may span lines (with `\"` / `\'` for a literal quote). No
 * variable or command expansion. Caddy's error wording, with line numbers.
 *
 * One deliberate difference: Caddy cuts `#` even inside quotes
 * (`PASS="a#b"` gives `a`); here a quoted value is taken whole.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from './errors.js';

export function parseEnvFile(text: string): Map<string, string> {
  const env = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;

    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`can't parse line ${lineNo}; line should be in KEY=VALUE format`);
    let key = line.slice(0, eq);
    let val = line.slice(eq + 1);
    if (key.startsWith('export ')) key = key.slice('export '.length);
    if (key === '') throw new Error(`missing or empty key on line ${lineNo}`);
    if (/\s/.test(key)) throw new Error(`invalid key on line ${lineNo}: contains whitespace: ${key}`);
    if (val.startsWith(' ') || val.startsWith('\t')) {
      throw new Error(`invalid value on line ${lineNo}: whitespace before value: '${val}'`);
    }

    const quote = val[0];
    if (quote === '"' || quote === "'") {
      const [value, endLine] = readQuoted(lines, i, eq + 2, quote, lineNo);
      env.set(key, value);
      i = endLine;
      continue;
    }
    const hash = val.indexOf('#');
    if (hash >= 0) val = val.slice(0, hash).replace(/[ \t]+$/, '');
    env.set(key, val);
  }
  return env;
}

/**
 * A quoted value starting at `lines[start][from]` (just after the opening
 * quote, counted in the trimmed line); returns it and the line it ends on.
 */
function readQuoted(lines: string[], start: number, from: number, quote: string, lineNo: number): [string, number] {
  let value = '';
  let text = lines[start]!.trim();
  let pos = from;
  for (let i = start; ; ) {
    for (; pos < text.length; pos++) {
      const c = text[pos]!;
      if (c === '\\' && text[pos + 1] === quote) {
        value += quote;
        pos++;
      } else if (c === quote) {
        const rest = text.slice(pos + 1);
        if (rest !== '' && !/^[ \t]*(#.*)?$/.test(rest)) {
          throw new Error(`invalid value on line ${i + 1}: unexpected text after closing quote: '${rest}'`);
        }
        return [value, i];
      } else {
        value += c;
      }
    }
    i++;
    if (i >= lines.length) throw new Error(`unterminated quoted value starting on line ${lineNo}`);
    value += '\n';
    text = lines[i]!;
    pos = 0;
  }
}

/**
 * The environment `{$VAR}` substitution sees: `base` plus every envfile's
 * variables. Like Caddy, a variable already set is not overridden.
 */
export function loadEnvFiles(files: readonly string[], base: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...base };
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(resolve(cwd, file), 'utf8');
    } catch (err) {
      throw new ConfigError(`loading additional environment variables: reading environment file: ${describeFsError('open', file, err)}`);
    }
    let parsed: Map<string, string>;
    try {
      parsed = parseEnvFile(text);
    } catch (err) {
      throw new ConfigError(`loading additional environment variables: parsing environment file: ${(err as Error).message}`);
    }
    for (const [k, v] of parsed) if (env[k] === undefined) env[k] = v;
  }
  return env;
}

/** Go's wording for file errors (`open F: no such file or directory`), so messages read like Caddy's. */
export function describeFsError(op: string, path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT' ? 'no such file or directory'
    : code === 'EACCES' ? 'permission denied'
    : code === 'EISDIR' ? 'is a directory'
    : (err as Error).message;
  return `${op} ${path}: ${reason}`;
}
