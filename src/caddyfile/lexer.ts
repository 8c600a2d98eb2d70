import * as ohm from 'ohm-js';
import grammarSource from '../../caddyfile-grammar/caddyfile.ohm';
import { CaddyfileError, sources } from './errors.js';
import type { Quote, Token } from './token.js';

const grammar = ohm.grammar(grammarSource);

/** What one `stream` item turns into: a token, or a mark the line counter needs. */
type Item =
  | { kind: 'tok'; start: number; text: string; quoted: Quote; lines: number }
  | { kind: 'nl' }
  | { kind: 'cont' }
  | { kind: 'heredoc'; start: number; opener: string; end: number }
  | null;

const semantics = grammar.createSemantics().addOperation<Item | Item[]>('item', {
  stream(items, tail) {
    const out = items.children.map((c) => c.item() as Item);
    if (tail.numChildren) out.push(tail.children[0]!.item() as Item);
    return out;
  },
  newline(_) {
    return { kind: 'nl' };
  },
  continuation(_bs, _cr, _nl) {
    return { kind: 'cont' };
  },
  blank(_) {
    return null;
  },
  comment(_hash, _rest) {
    return null;
  },
  quoted(_open, chars, close) {
    const raw = chars.sourceString;
    // Fast path: without a backslash the source is the text.
    const text = raw.includes('\\') ? chars.children.map((c) => c.sourceString).map(unescapeQuoted).join('') : raw;
    return { kind: 'tok', start: this.source.startIdx, text, quoted: close.numChildren ? '"' : '', lines: countNl(raw) };
  },
  backticked(_open, chars, close) {
    const raw = chars.sourceString;
    return { kind: 'tok', start: this.source.startIdx, text: raw, quoted: close.numChildren ? '`' : '', lines: countNl(raw) };
  },
  angled(_lt, _rest) {
    return { kind: 'tok', start: this.source.startIdx, text: this.sourceString.replace(/\r/g, ''), quoted: '', lines: 0 };
  },
  heredocTail(open, _rest) {
    return { kind: 'heredoc', start: open.source.startIdx, opener: open.sourceString.replace(/\r/g, ''), end: this.source.endIdx };
  },
  bare(chars) {
    const raw = this.sourceString;
    const text = raw.includes('\\') || raw.includes('\r') ? unescapeBare(raw) : raw;
    return { kind: 'tok', start: this.source.startIdx, text, quoted: '', lines: 0 };
  },
});

function countNl(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

function unescapeQuoted(pair: string): string {
  return pair === '\\"' ? '"' : pair;
}

/** Applies Caddy's outside-quotes escape rules to a bare word the grammar accepted. */
function unescapeBare(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\r') continue;
    if (c === '\\') {
      const n = raw[i + 1];
      if (n === undefined) continue; // dangling before a blank or the end: dropped
      i++;
      out += n === '<' ? '<' : `\\${n}`;
      continue;
    }
    out += c;
  }
  return out;
}

/**
 * Replaces `{$NAME}` and `{$NAME:default}` in raw Caddyfile text, one level
 * deep, exactly as Caddy does before lexing (so it reaches into quotes,
 * heredocs and comments too).
 */
export function replaceEnvVars(input: string, env: Record<string, string | undefined> = process.env): string {
  let offset = 0;
  for (;;) {
    const begin = input.indexOf('{$', offset);
    if (begin < 0) break;
    const end = input.indexOf('}', begin + 2);
    if (end < 0) break;
    const spec = input.slice(begin + 2, end);
    if (spec === '') {
      offset = end + 1;
      continue;
    }
    const colon = spec.indexOf(':');
    const name = colon < 0 ? spec : spec.slice(0, colon);
    let value = env[name];
    if (value === undefined) value = colon < 0 ? '' : spec.slice(colon + 1);
    input = input.slice(0, begin) + value + input.slice(end + 1);
    offset = begin + value.length;
  }
  return input;
}

const heredocMarker = /^[A-Za-z0-9_-]+$/;

/** Line-start offsets, for turning a character offset into line and column. */
class LineTable {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  /** 1-based physical line and column of an offset. */
  at(offset: number): [number, number] {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return [lo + 1, offset - this.starts[lo]! + 1];
  }
}

/**
 * Lexes Caddyfile text (after env substitution) into tokens. Line numbers are
 * Caddy's: a backslash-continued line keeps the number of the line it continues.
 */
export function tokenize(input: string, filename: string): Token[] {
  if (input.charCodeAt(0) === 0xfeff) input = input.slice(1);
  sources.set(filename, input);
  const lines = new LineTable(input);
  const tokens: Token[] = [];
  let pending = 0; // continuation line breaks not yet counted (Caddy's skippedLines)
  let pos = 0;

  const fail = (offset: number, reason: string): never => {
    const [line, col] = lines.at(offset);
    throw new CaddyfileError(reason, filename, line - pending, col);
  };

  while (pos <= input.length) {
    const chunk = pos === 0 ? input : input.slice(pos);
    const m = grammar.match(chunk, 'stream');
    if (m.failed()) {
      // The grammar accepts every string; a failure here is a bug, not bad input.
      fail(pos, `internal lexer error: ${m.shortMessage ?? 'no match'}`);
    }
    const items = semantics(m).item() as Item[];
    let heredoc: Extract<Item, { kind: 'heredoc' }> | undefined;
    for (const it of items) {
      if (!it) continue;
      if (it.kind === 'nl') pending = 0;
      else if (it.kind === 'cont') pending++;
      else if (it.kind === 'tok') {
        const [pl, col] = lines.at(pos + it.start);
        tokens.push({ file: filename, line: pl - pending, col, text: it.text, quoted: it.quoted, imports: [] });
        if (it.lines > 0) pending = 0;
      } else heredoc = it;
    }
    if (!heredoc) break;
    pos = readHeredoc(input, pos + heredoc.start, heredoc.opener, filename, lines, pending, tokens, fail);
    pending = 0;
  }
  return tokens;
}

/** Takes a heredoc body by hand (Caddy's finalizeHeredoc); returns the offset just past its closing marker. */
function readHeredoc(
  input: string,
  start: number,
  opener: string,
  filename: string,
  lines: LineTable,
  pending: number,
  tokens: Token[],
  fail: (offset: number, reason: string) => never,
): number {
  const [pl, col] = lines.at(start);
  const line = pl - pending;
  if (opener.length === 2) {
    fail(start, `missing opening heredoc marker on line #${line}; must contain only alpha-numeric characters, dashes and underscores; got empty string`);
  }
  if (opener.startsWith('<<<')) fail(start, `too many '<' for heredoc on line #${line}; only use two, for example <<END`);
  const marker = opener.slice(2);
  if (!heredocMarker.test(marker)) {
    fail(start, `heredoc marker on line #${line} must contain only alpha-numeric characters, dashes and underscores; got '${marker}'`);
  }
  const bodyStart = input.indexOf('\n', start) + 1;
  const found = input.indexOf(marker, bodyStart);
  if (found < 0) {
    const rest = input.slice(bodyStart);
    fail(start, `incomplete heredoc <<${marker} on line #${line + pending + 1 + countNl(rest)}, expected ending marker ${marker}`);
  }
  const val = input.slice(bodyStart, found + marker.length);
  const lastNl = val.lastIndexOf('\n');
  const padding = val.slice(lastNl + 1, val.length - marker.length);
  const bodyLines = val.slice(0, lastNl + 1).split('\n');
  bodyLines.pop();
  let out = '';
  bodyLines.forEach((text, i) => {
    if (text === '' || text === '\r') {
      out += '\n';
      return;
    }
    if (!text.startsWith(padding)) {
      throw new CaddyfileError(
        `mismatched leading whitespace in heredoc <<${marker} on line #${line + i + 1} [${text}], expected whitespace [${padding}] to match the closing marker`,
        filename,
        line + i + 1,
        1,
      );
    }
    out += `${text.slice(padding.length)}\n`.replace(/\r/g, '');
  });
  if (out.endsWith('\n')) out = out.slice(0, -1);
  tokens.push({ file: filename, line, col, text: out, quoted: '<', heredocMarker: marker, imports: [] });
  return found + marker.length;
}
