/**
 * `caddy fmt`: a reimplementation of Caddy's caddyconfig/caddyfile/formatter.go
 * (Format, current master: heredocs, backtick strings incl. the #7425
 * multi-line fix, escaped heredocs, the standalone `{` after a top-level
 * `import` from #7642, the 10-level indentation cap from #4169).
 *
 * Like Caddy's, it is a character-level state machine rather than a
 * token-stream printer: it owns braces, indentation and whitespace between
 * tokens and copies everything else (words, comments, quoted and backtick
 * strings, heredoc bodies, escapes, placeholders) verbatim. Its output is
 * byte-for-byte Caddy's, because the adapter's "not formatted" warning and
 * users' `fmt --diff` checks in CI depend on exactly that.
 *
 * Deliberate divergences, all in places where Caddy's output changes what the
 * Caddyfile means (so nobody can depend on them):
 *  - an escape (`\x`) or an opening backtick that starts a token gets the same
 *    line-break/indent/pending-brace treatment as any other token start (Caddy
 *    writes it straight out, e.g. gluing it onto the previous line or ahead of
 *    a not-yet-written `{`);
 *  - `{{` glued together keeps both braces (Caddy drops the first one) and
 *    is laid out as the start of a word, so `\t{{x}}` starting a line stays
 *    as it is (it used to come out as `{\t{x}}`, which is not idempotent);
 *  - a `}}` word after a `{{` word on the same line (`between {{ }}`) is a
 *    word, not two closing braces;
 *  - a lone `<` word keeps the space after it (Caddy glues it to the next
 *    word, `a < b` → `a <b`, and would read `< <X` as a heredoc opener): only
 *    the character right after a token-start `<` can complete `<<`.
 */
import type { Warning } from '../adapt/types.js';

const HEREDOC_MARKER = /^[A-Za-z0-9_-]+$/;

/** Caddy caps indentation at 10 tabs so absurd nesting cannot blow up the output (issue #4169). */
const MAX_NESTING = 10;

/** Go's unicode.IsSpace: what Caddy treats as whitespace (note: not U+FEFF). */
function isSpace(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return (
    c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

/** Go's bytes.TrimSpace (JS's trim() would also eat a BOM, which Caddy keeps). */
function trimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s[start]!)) start++;
  while (end > start && isSpace(s[end - 1]!)) end--;
  return s.slice(start, end);
}

const HEREDOC_CLOSED = 0;
const HEREDOC_OPENING = 1;
const HEREDOC_OPENED = 2;

/**
 * Formats a Caddyfile the way `caddy fmt` does: tabs (one per nesting level),
 * `{` at the end of its line after one space, `}` on its own line, at most one
 * blank line, a blank line after each top-level block, and exactly one
 * trailing newline.
 */
export function formatCaddyfile(input: string): string {
  const out: string[] = [];

  let last = ''; // the last character written to the result

  let space = true; // whether the current/previous character was whitespace (start of input counts)
  let beginningOfLine = true;

  let openBrace = false; // whether the current token is or started with `{`
  let openBraceWritten = false; // if openBrace, whether that `{` has been written yet
  let openBraceSpace = false; // whether a non-newline space preceded the `{`
  let openBraceOwnLine = false; // whether the `{` began a source line
  let openBraceSpacePrior = false; // whether any whitespace (line breaks included) preceded the `{`

  let newLines = 0; // newlines consumed but not yet written

  let comment = false;
  // Quote state: '', '`', '"', or '"`' (a backtick inside a double-quoted string).
  let quotes = '';
  let escaped = false;

  let heredoc = HEREDOC_CLOSED;
  let heredocEscaped = false;
  let heredocMarker: string[] = [];
  let heredocClosingMarker: string[] = [];

  // whether the previous input character was a `<` that started a token
  let afterTokenStartLt = false;

  let nesting = 0;

  // #7642: a `{` alone on the line right after a top-level `import` line opens
  // the global options block; folding it onto the import would make it the
  // import's block instead.
  let currentToken = '';
  let currentLineFirstToken = '';
  let previousLineWasTopLevelImport = false;

  const write = (ch: string): void => {
    out.push(ch);
    last = ch;
  };
  const indent = (): void => {
    for (let i = 0; i < nesting; i++) write('\t');
  };
  const nextLine = (): void => {
    write('\n');
    beginningOfLine = true;
  };
  const finishToken = (): void => {
    if (currentToken === '') return;
    if (currentLineFirstToken === '') currentLineFirstToken = currentToken;
    currentToken = '';
  };
  const finishLine = (): void => {
    finishToken();
    if (currentLineFirstToken !== '') {
      previousLineWasTopLevelImport = nesting === 0 && currentLineFirstToken === 'import';
    } else if (!openBrace || !openBraceOwnLine || openBraceWritten) {
      previousLineWasTopLevelImport = false;
    }
    currentLineFirstToken = '';
  };

  /** Writes a pending structural `{` once the next token shows it opens a block. */
  const flushPendingBrace = (spacePrior: boolean): void => {
    if (!openBrace || !spacePrior || openBraceWritten) return;
    if (nesting === 0 && last === '}') {
      nextLine();
      nextLine();
    }
    openBrace = false;
    if (openBraceOwnLine && previousLineWasTopLevelImport) {
      if (last !== '\n') nextLine();
      indent();
    } else if (beginningOfLine) {
      indent();
    } else if (!openBraceSpace || !isSpace(last)) {
      write(' ');
    }
    write('{');
    openBraceWritten = true;
    openBraceOwnLine = false;
    nextLine();
    newLines = 0;
    if (nesting < MAX_NESTING) nesting++;
  };

  /** Line breaks, indentation and separating space before a token's first character. */
  const startToken = (spacePrior: boolean): void => {
    flushPendingBrace(spacePrior);
    if (newLines > 2) newLines = 2;
    for (; newLines > 0; newLines--) nextLine();
    if (beginningOfLine) indent();
    if (nesting === 0 && last === '}' && beginningOfLine) {
      nextLine();
      nextLine();
    }
    if (!beginningOfLine && spacePrior) write(' ');
    if (openBrace && !openBraceWritten) {
      // a `{` glued to the token (a placeholder like {$FOO}) is just text
      write('{');
      openBraceWritten = true;
    }
    beginningOfLine = false;
  };

  // whether a word starting with `{{` (a template action) was seen on this line
  let templateOnLine = false;

  const text = trimSpace(input);
  for (let at = 0; at < text.length; ) {
    const ch = String.fromCodePoint(text.codePointAt(at)!);
    at += ch.length;
    // `<<` at the start of a token may open a heredoc
    const ltBefore = afterTokenStartLt;
    afterTokenStartLt = false;
    if (quotes === '' && heredoc === HEREDOC_CLOSED && !heredocEscaped && ltBefore && ch === '<') {
      write(ch);
      heredoc = HEREDOC_OPENING;
      space = false;
      continue;
    }

    if (heredoc === HEREDOC_OPENING) {
      if (ch === '\n') {
        if (heredocMarker.length > 0 && HEREDOC_MARKER.test(heredocMarker.join(''))) {
          heredoc = HEREDOC_OPENED;
        } else {
          heredocMarker = [];
          heredoc = HEREDOC_CLOSED;
          nextLine();
          continue;
        }
        write(ch);
        continue;
      }
      if (isSpace(ch)) {
        // a space right after the marker makes it an ordinary token, not a heredoc
        heredocMarker = [];
        heredoc = HEREDOC_CLOSED;
      } else {
        heredocMarker.push(ch);
        write(ch);
        continue;
      }
    }

    // heredoc bodies are copied as-is; the marker followed by whitespace ends one
    if (heredoc === HEREDOC_OPENED) {
      heredocClosingMarker.push(ch);
      if (heredocClosingMarker.length > heredocMarker.length + 1) heredocClosingMarker.shift();
      if (isSpace(ch) && sameChars(heredocClosingMarker, heredocMarker)) {
        heredocMarker = [];
        heredocClosingMarker = [];
        heredoc = HEREDOC_CLOSED;
      } else {
        write(ch);
        if (ch === '\n') heredocClosingMarker = [];
        continue;
      }
    }

    // a word that starts with `<` but not `<<` continues without a space
    if (ltBefore && !isSpace(ch)) space = false;

    if (comment) {
      if (ch === '\n') {
        comment = false;
        space = true;
        nextLine();
      } else {
        write(ch);
      }
      continue;
    }

    if (!escaped && ch === '\\') {
      startToken(space);
      space = false;
      write(ch);
      escaped = true;
      continue;
    }

    if (escaped) {
      if (ch === '<') heredocEscaped = true;
      write(ch);
      escaped = false;
      continue;
    }

    if (ch === '`') {
      switch (quotes) {
        case '"`':
          quotes = '"';
          break;
        case '`':
          quotes = '';
          break;
        case '"':
          quotes = '"`';
          break;
        default:
          startToken(space);
          space = false;
          quotes = '`';
      }
    }

    if (quotes === '"') {
      if (ch === '"') quotes = '';
      write(ch);
      continue;
    }

    if (ch === '"') {
      if (quotes === '' && space) quotes = '"';
      else if (quotes === '"`') quotes = '';
    }

    // #7425: everything inside backticks, line breaks included, is content
    if (quotes.includes('`')) {
      if (ch === '`' && space && !beginningOfLine) write(' ');
      write(ch);
      space = false;
      continue;
    }

    if (isSpace(ch)) {
      finishToken();
      space = true;
      heredocEscaped = false;
      if (ch === '\n') {
        finishLine();
        newLines++;
        templateOnLine = false;
      }
      continue;
    }
    const spacePrior = space;
    space = false;

    // From here on the character is ordinary: not whitespace, not inside a
    // comment or quotes, not escaped.

    if (ch === '#') comment = true;

    if (ch === '{' && openBrace && !openBraceWritten && !spacePrior) {
      // `{{`: the pending brace is the first character of a word (a template
      // action, say); lay it out as a token start (line break, indentation or
      // separating space first), then both braces as text.
      openBraceWritten = true;
      startToken(openBraceSpacePrior && !isSpace(last));
      write('{');
      currentToken += '{{';
      write('{');
      templateOnLine = true;
      continue;
    }

    if (ch === '}' && spacePrior && templateOnLine && text[at] === '}') {
      // `{{ }}`: the `}}` word closes the template action opened by a `{{`
      // word on its line; it is not two closing braces.
      startToken(spacePrior);
      currentToken += ch;
      write(ch);
      continue;
    }


    flushPendingBrace(spacePrior);

    if (ch === '{') {
      finishToken();
      openBrace = true;
      openBraceSpace = spacePrior && !beginningOfLine;
      openBraceOwnLine = newLines > 0;
      openBraceSpacePrior = spacePrior;
      if (openBraceSpace && newLines === 0) write(' ');
      openBraceWritten = false;
      continue;
    }

    if (ch === '}' && (spacePrior || !openBrace)) {
      finishToken();
      if (last !== '\n') nextLine();
      if (nesting > 0) nesting--;
      indent();
      write('}');
      newLines = 0;
      continue;
    }

    // The pending brace was settled above, so this only lays out the token.
    startToken(spacePrior);

    // a `<` starting a token may be the first half of a heredoc's `<<`
    if (spacePrior && ch === '<') afterTokenStartLt = true;

    currentToken += ch;
    write(ch);
    beginningOfLine = false;
  }

  // no leading or trailing whitespace, but exactly one final newline:
  // newlines are significant in the Caddyfile
  return trimSpace(out.join('')) + '\n';
}

function sameChars(window: string[], marker: string[]): boolean {
  if (window.length - 1 !== marker.length) return false;
  for (let i = 0; i < marker.length; i++) if (window[i] !== marker[i]) return false;
  return true;
}

export const NOT_FORMATTED_MESSAGE =
  "Caddyfile input is not formatted; run 'tsweb fmt --overwrite' to fix inconsistencies";

/**
 * Caddy's FormattingDifference: null when `input` is already formatted,
 * otherwise a warning pointing at the first line that formatting changes.
 * Windows line endings are not counted as a difference.
 */
export function formattingDifference(filename: string, input: string): Warning | null {
  const body = input.replaceAll('\r\n', '\n');
  const formatted = formatCaddyfile(body);
  if (formatted === body) return null;
  let line = 1;
  for (let i = 0; i < body.length; i++) {
    if (i >= formatted.length || body[i] !== formatted[i]) break;
    if (body[i] === '\n') line++;
  }
  return { file: filename, line, message: NOT_FORMATTED_MESSAGE };
}
