import { CaddyfileError, sources } from './errors.js';
import type { Quote, Token } from './token.js';

/**
 * Replaces `{$NAME}` and `{$NAME:default}` in raw Caddyfile text, one level
 * deep, exactly as Caddy does before lexing (so it reaches into quotes,
 * heredocs and comments too).
 */
export function replaceEnvVars(input: string, env: Record<string, string | undefined> = process.env): string {
  // Caddy splices each value into the input and goes on scanning after it
  // (so a value is not expanded again). Splicing a JS string per variable is
  // quadratic in the file's size; the scan only ever looks at the input after
  // the variable, so the output is collected in pieces instead.
  const parts: string[] = [];
  let rest = input;
  let from = 0;
  for (;;) {
    const begin = rest.indexOf('{$', from);
    if (begin < 0) break;
    const end = rest.indexOf('}', begin + 2);
    if (end < 0) break;
    const spec = rest.slice(begin + 2, end);
    if (spec === '') {
      from = end + 1;
      continue;
    }
    const colon = spec.indexOf(':');
    const name = colon < 0 ? spec : spec.slice(0, colon);
    let value = env[name];
    if (value === undefined) value = colon < 0 ? '' : spec.slice(colon + 1);
    parts.push(rest.slice(0, begin), value);
    rest = rest.slice(end + 1);
    from = 0;
  }
  parts.push(rest);
  return parts.join('');
}

const heredocMarker = /^[A-Za-z0-9_-]+$/;

/** Go's unicode.IsSpace. */
function isSpace(c: number): boolean {
  return (
    c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

/**
 * Lexes Caddyfile text (after env substitution) into tokens, with Caddy's
 * lexer rules (caddyconfig/caddyfile/lexer.go): quotes and backticks open only
 * at a token's start; in double quotes only `\"` is an escape; backticks have
 * none; backslash-newline continues a line; `#` comments only at a token's
 * start; heredocs `<<MARKER`; a BOM and `\r` are dropped. Line numbers are
 * Caddy's: a continued line keeps the number of the line it continues.
 * It is hand-written rather than generated from a grammar because it runs on
 * every character: a 1,000-site file must adapt in well under a second.
 */
export function tokenize(input: string, filename: string): Token[] {
  if (input.charCodeAt(0) === 0xfeff) input = input.slice(1);
  sources.set(filename, input);
  const tokens: Token[] = [];
  const n = input.length;
  let i = 0;
  let line = 1; // Caddy's line counter
  let skipped = 0; // continuation line breaks not yet added (Caddy's skippedLines)
  let lineStart = 0; // offset where the current physical line starts (for columns)

  const fail = (reason: string, atLine: number, col: number): never => {
    throw new CaddyfileError(reason, filename, atLine, col);
  };

  while (i < n) {
    // One token per iteration, as Caddy's lexer.next().
    let val = '';
    let started = false;
    let quoted = false;
    let bt = false;
    let escaped = false;
    let comment = false;
    let heredocEscaped = false;
    // Whether `val` began with `<<` (set when its second character arrives).
    // Tested per character, so it must not look at `val` itself: a growing
    // string would be flattened on every test, quadratic in the token's length.
    let heredocOpen = false;
    let tokLine = line;
    let tokCol = 0;
    let made: Quote | null = null;

    for (; i < n; i++) {
      const ch = input[i]!;
      const code = input.charCodeAt(i);

      // After `<<` everything up to a space or line break is the heredoc marker.
      if (heredocOpen && !quoted && !bt && !heredocEscaped) {
        if (ch === ' ') {
          made = '';
          break;
        }
        if (ch === '\r') continue;
        if (ch === '\n') {
          if (val.length === 2) {
            fail(`missing opening heredoc marker on line #${line}; must contain only alpha-numeric characters, dashes and underscores; got empty string`, line, tokCol);
          }
          if (val.startsWith('<<<')) fail(`too many '<' for heredoc on line #${line}; only use two, for example <<END`, line, tokCol);
          const marker = val.slice(2);
          if (!heredocMarker.test(marker)) {
            fail(`heredoc marker on line #${line} must contain only alpha-numeric characters, dashes and underscores; got '${marker}'`, line, tokCol);
          }
          const r = readHeredoc(input, i + 1, marker, line, filename);
          if (!r) {
            const rest = input.slice(i + 1);
            let nl = 1 + skipped;
            for (let k = rest.indexOf('\n'); k !== -1; k = rest.indexOf('\n', k + 1)) nl++;
            fail(`incomplete heredoc <<${marker} on line #${line + nl}, expected ending marker ${marker}`, line, tokCol);
          }
          const [text, end, breaks] = r!;
          tokens.push({ file: filename, line: tokLine, col: tokCol, text, quoted: '<', heredocMarker: marker, imports: [] });
          line += skipped + breaks;
          skipped = 0;
          lineStart = input.lastIndexOf('\n', end - 1) + 1;
          i = end;
          made = null;
          val = '';
          started = false;
          break;
        }
        val += ch;
        continue;
      }

      if (!escaped && !bt && ch === '\\') {
        escaped = true;
        continue;
      }

      if (quoted || bt) {
        if (quoted && escaped) {
          if (ch !== '"') val += '\\';
          escaped = false;
        } else if ((quoted && ch === '"') || (bt && ch === '`')) {
          made = ch as Quote;
          i++;
          break;
        }
        if (ch === '\n') {
          line += 1 + skipped;
          skipped = 0;
          lineStart = i + 1;
        }
        val += ch;
        continue;
      }

      if (isSpace(code)) {
        if (ch === '\r') continue;
        if (ch === '\n') {
          if (escaped) {
            skipped++;
            escaped = false;
          } else {
            line += 1 + skipped;
            skipped = 0;
          }
          lineStart = i + 1;
          comment = false;
        }
        if (val.length > 0) {
          made = '';
          i++;
          break;
        }
        continue;
      }

      if (ch === '#' && val.length === 0) comment = true;
      if (comment) continue;

      if (val.length === 0 && !started) {
        started = true;
        tokLine = line;
        tokCol = i - lineStart + 1;
        if (escaped) tokCol--; // the token's first character was the backslash
        if (ch === '"') {
          quoted = true;
          continue;
        }
        if (ch === '`') {
          bt = true;
          continue;
        }
      }

      if (escaped) {
        if (ch === '<') heredocEscaped = true;
        else val += '\\';
        escaped = false;
      }
      val += ch;
      if (val.length === 2) heredocOpen = val === '<<';
    }

    if (made !== null) {
      tokens.push({ file: filename, line: tokLine, col: tokCol, text: val, quoted: made, imports: [] });
    } else if (i >= n && val.length > 0) {
      // End of input inside a token: Caddy emits it as an unquoted word.
      tokens.push({ file: filename, line: tokLine, col: tokCol, text: val, quoted: '', imports: [] });
    }
  }
  return tokens;
}

/**
 * Reads a heredoc body starting at `from` (just after the opening line break)
 * up to the first occurrence of its marker. Returns [text, offset after the
 * marker, line breaks consumed incl. the opening one] or null at end of input.
 */
function readHeredoc(input: string, from: number, marker: string, openLine: number, filename: string): [string, number, number] | null {
  const found = input.indexOf(marker, from);
  if (found < 0) return null;
  const val = input.slice(from, found + marker.length);
  const lastNl = val.lastIndexOf('\n');
  const padding = val.slice(lastNl + 1, val.length - marker.length);
  const lines = val.slice(0, lastNl + 1).split('\n');
  lines.pop();
  let out = '';
  for (let k = 0; k < lines.length; k++) {
    const text = lines[k]!;
    if (text === '' || text === '\r') {
      out += '\n';
      continue;
    }
    if (!text.startsWith(padding)) {
      throw new CaddyfileError(
        `mismatched leading whitespace in heredoc <<${marker} on line #${openLine + k + 1} [${text}], expected whitespace [${padding}] to match the closing marker`,
        filename,
        openLine + k + 1,
        1,
      );
    }
    out += `${text.slice(padding.length)}\n`.replace(/\r/g, '');
  }
  if (out.endsWith('\n')) out = out.slice(0, -1);
  return [out, found + marker.length, lines.length + 1];
}
