import * as ohm from 'ohm-js';
import grammarSource from '../../caddyfile-grammar/caddyfile.ohm';
import { CaddyfileError } from './errors.js';
import { isCloseBrace, isNextOnNewLine, isOpenBrace, type Token } from './token.js';
import type { ServerBlock } from './parser.js';

/**
 * The block structure of a Caddyfile: server blocks, their keys, and the
 * segments (a directive, its arguments, and the block that may end its line).
 *
 * Input is the token stream after imports and snippets were spliced in
 * (src/caddyfile/parser.ts). Two parts share the work of Caddy's parser
 * (caddyconfig/caddyfile/parse.go: parseAll, addresses, blockContents,
 * directives, directive), and neither recurses, so a file nested thousands
 * of blocks deep or with thousands of addresses costs time linear in its
 * tokens and no stack:
 *
 *  - The Ohm grammar (caddyfile-grammar/caddyfile.ohm) recognizes each
 *    server block's head, Caddy's addresses(): which words are the block's
 *    site addresses, with the rule that a trailing comma carries the list
 *    across line breaks, as iterations over one symbol per token.
 *  - The loop below counts braces. That tells where a server block starts
 *    (the start of the file, or right after the `}` that closes the previous
 *    one, also on its line: `} b {`), whether the block has braces, where
 *    each segment ends (a line that starts outside the blocks its directive
 *    opened), and every check whose answer depends on the depth, in Caddy's
 *    words and order. Given the head, it checks each address (matchers, a
 *    brace glued to an address, commas inside one).
 * Why this split: matching braces needs a counter or recursion, and
 * recursion is what overflowed (the grammar this replaced nested one rule per
 * block and per comma-continued address and ran out of stack at ~400 nested
 * blocks or ~600 addresses). A grammar without recursion cannot tell a `}`
 * that closes a server block from one that closes a directive's block, so
 * it cannot know on its own where heads are; the loop, which can, hands it
 * the tokens from each block start to the next brace. Reading the whole token
 * stream with Ohm instead (heads recognized after every `}`, the loop using
 * the ones at block starts) gave the same blocks but cost 1-2 µs of CPU per
 * token: `tsweb adapt` of the benchmark's 1,000-site Caddyfile (70,000 tokens
 * after imports) took 0.35 s more CPU than without Ohm; reading only the heads
 * takes 0.09 s more, most of it loading and compiling Ohm.
 *
 * Where Caddy accepts a file only by accident of its implementation, the
 * input is accepted as Caddy does and `warn` says what was probably meant:
 *  - a `}` that starts a line of a site without braces ends that site (Caddy
 *    skips it; the next line then starts a new server block);
 *  - a later block without keys and without content is dropped.
 *  - a file that ends inside a braced block right after an inner block's
 *    `}` (Caddy takes that `}` for the outer one too).
 * Where Caddy's answer is an accident that fails later with a confusing
 * message, a structural error is raised instead: a `}` where a server block
 * should start (Caddy takes it as a site address: "subject does not qualify
 * for certificate: '}'").
 */
/**
 * How deep blocks may nest. Caddy has no limit, but the adapter's directive
 * parsers recurse once per level (route in route, matcher in `not`), and the
 * JavaScript stack ends somewhere above 1,000 levels depending on the
 * caller; a file nested this deep is an error with its position instead.
 * Real configs nest fewer than 10 levels (Caddy's formatter stops indenting
 * at 10).
 */
export const MAX_NESTING = 512;

export function nestingError(t: Token): CaddyfileError {
  return CaddyfileError.at(t, `blocks nested more than ${MAX_NESTING} deep`);
}

/**
 * The grammar and the semantics reading it, compiled on first use: compiling
 * costs ~40 ms of CPU in a fresh process, which commands that never read a
 * Caddyfile (`tsweb version`, a JSON config) need not pay.
 */
let compiled: { grammar: ohm.Grammar; semantics: ohm.Semantics } | undefined;
/**
 * The bundle's copy of the grammar already compiled by scripts/build.mjs
 * (Ohm's recipe of caddyfile.ohm): making it from the recipe takes ~0.3 ms
 * instead of ~40 ms on the first Caddyfile a process reads.
 */
declare const __TSWEB_CADDYFILE_RECIPE__: string | undefined;
/** Exported by ohm-js for the bundles its CLI generates, not declared in its types. */
const { makeRecipe } = ohm as unknown as { makeRecipe(recipe: unknown): ohm.Grammar };
function headGrammar(): { grammar: ohm.Grammar; semantics: ohm.Semantics } {
  if (!compiled) {
    const grammar = typeof __TSWEB_CADDYFILE_RECIPE__ === 'string' ? makeRecipe(JSON.parse(__TSWEB_CADDYFILE_RECIPE__)) : ohm.grammar(grammarSource);
    const semantics = grammar.createSemantics().addAttribute<number>('headLength', {
      start(head, _words) {
        return head.source.endIdx;
      },
    });
    compiled = { grammar, semantics };
  }
  return compiled;
}

/**
 * Where the head of the server block starting at token `start` ends: the
 * grammar's reading of the words from there to the next brace.
 */
function headEnd(tokens: Token[], start: number): number {
  let symbols = '';
  let i = start;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isOpenBrace(t) || isCloseBrace(t)) break;
    const c = t.text === '' ? 'n' : t.text.endsWith(',') ? 'k' : 'w';
    symbols += i === 0 || isNextOnNewLine(tokens[i - 1]!, t) ? c.toUpperCase() : c;
  }
  const { grammar, semantics } = headGrammar();
  const m = grammar.match(symbols, 'start');
  // Every word sequence fits the grammar; a failure is a bug in it.
  if (m.failed()) throw new Error(`internal error: the Caddyfile head grammar rejected its input: ${m.shortMessage}`);
  return start + (semantics(m).headLength as number);
}

export function structure(tokens: Token[], warn: (message: string, token: Token) => void = () => {}): ServerBlock[] {
  const blocks: ServerBlock[] = [];
  const n = tokens.length;
  if (n === 0) return blocks;
  /** Caddy's isNewLine at `i`: does token i start a line? */
  const newLineAt = (i: number): boolean => i === 0 || isNextOnNewLine(tokens[i - 1]!, tokens[i]!);
  /** Caddy's isNextOnNewLine at `i`: is token i the last of its line? */
  const lastOnLine = (i: number): boolean => i >= n - 1 || isNextOnNewLine(tokens[i]!, tokens[i + 1]!);

  let i = 0;
  while (i < n) {
    const block: ServerBlock = { keys: [], segments: [], hasBraces: false, isNamedRoute: false };
    const first = tokens[i]!;

    // addresses(): the head the grammar recognizes here.
    if (isCloseBrace(first)) throw CaddyfileError.at(first, "Unexpected '}' because no matching opening brace");
    if (isOpenBrace(first)) block.hasBraces = true;
    else {
      const end = headEnd(tokens, i);
      let expectingAnother = false;
      for (; i < end; i++) {
        const t = tokens[i]!;
        let v = t.text;
        if (v.startsWith('@')) {
          throw CaddyfileError.at(t, `request matchers may not be defined globally, they must be in a site block; found ${v}`);
        }
        if (v.endsWith('{') && t.quoted === '') {
          throw CaddyfileError.at(t, `Site addresses cannot end with a curly brace: '${v}' - put a space between the token and the brace`);
        }
        if (v === '') continue;
        expectingAnother = v.endsWith(',');
        if (expectingAnother) v = v.slice(0, -1);
        if (v.includes(',')) {
          throw CaddyfileError.at(t, `Site addresses cannot contain a comma ',': '${v}' - put a space after the comma to separate site addresses`);
        }
        if (v !== '') block.keys.push(v === t.text ? t : { ...t, text: v });
      }
      if (i >= n) {
        if (expectingAnother) throw CaddyfileError.at(tokens[n - 1], 'Unexpected EOF');
        if (block.keys.length > 0) blocks.push(block);
        break;
      }
      // The grammar ends a head at a brace, or where a line starts after a
      // word without a trailing comma (then only a `{` opens the block, and a
      // `}` ends a site without braces).
      const t = tokens[i]!;
      if (isOpenBrace(t)) {
        if (expectingAnother) throw CaddyfileError.at(t, "Expected another address but had '{' - check for extra comma");
        block.hasBraces = !newLineAt(i);
      } else if (isCloseBrace(t) && (expectingAnother || !newLineAt(i))) {
        throw CaddyfileError.at(t, "Unexpected '}' because no matching opening brace");
      }
    }

    // blockContents(): a braced block ends at its `}`, one without braces at
    // the end of input (or at a `}` starting a line, see above).
    // A `{` opening the next line also opens the block (Caddy leaves hasBraces unset then).
    const braced = isOpenBrace(tokens[i]);
    if (braced) i++;
    let closed = false;
    while (i < n) {
      const t = tokens[i]!;
      if (isCloseBrace(t)) {
        closed = true;
        if (!braced) {
          const where = block.keys[0] ? `the site block of ${block.keys[0].text} (line ${block.keys[0].line})` : 'a block without braces';
          warn(`'}' without a matching '{' ends ${where}; what follows starts a new server block. Put the site's directives in braces if that was intended`, t);
        }
        i++;
        break;
      }
      // directive(): one segment; a block opened at the end of its line runs to its matching `}`.
      const start = i;
      let nesting = 0;
      for (i++; i < n; i++) {
        const u = tokens[i]!;
        if (isOpenBrace(u)) {
          nesting++;
          if (nesting + (braced ? 1 : 0) > MAX_NESTING) throw nestingError(u);
          if (!lastOnLine(i)) throw CaddyfileError.at(u, "Unexpected next token after '{' on same line");
          if (newLineAt(i)) throw CaddyfileError.at(u, "Unexpected '{' on a new line; did you mean to place the '{' on the previous line?");
        } else if (u.text === '{}' && u.quoted === '') {
          if (lastOnLine(i)) throw CaddyfileError.at(u, "Unexpected '{}' at end of line");
        } else if (nesting === 0 && newLineAt(i)) {
          break;
        } else if (isCloseBrace(u)) {
          if (nesting === 0) throw CaddyfileError.at(u, "Unexpected '}' because no matching opening brace");
          nesting--;
        }
      }
      block.segments.push(tokens.slice(start, i));
      if (nesting > 0) throw CaddyfileError.at(tokens[n - 1], 'Unexpected EOF');
    }
    if (braced && !closed) {
      const last = tokens[n - 1]!;
      // Caddy checks the token it stopped on, so a file that ends with an
      // inner block's `}` passes for one whose last block is closed.
      if (!isCloseBrace(last)) throw CaddyfileError.at(last, `Syntax error: Unexpected token '${last.text}', expecting '}'`);
      const what = block.keys[0] ? `the site block of ${block.keys[0].text}` : 'the global options block';
      warn(`${what} is not closed: the file ends inside it (a '}' is missing at the end)`, last);
    }

    if (block.keys.length > 0 || block.segments.length > 0) blocks.push(block);
    else if (first !== tokens[0]) {
      warn('a block without addresses and without content is ignored (only the first block may be the global options block)', first);
    }
  }
  return blocks;
}

/**
 * Follows the server-block structure one token at a time, as the import
 * expander emits them, to tell where a server block starts: Caddy recognizes
 * `(snippet)` and `&(named_route)` definitions only there (a line-start
 * `(name) {` inside a site without braces is a directive). It mirrors
 * structure() above on valid input; on invalid input structure() reports the
 * error.
 */
export class BlockTracker {
  private phase: 'start' | 'keys' | 'body' = 'start';
  private expectingAnother = false;
  /** In a body: whether the next token begins a segment (directive or closing brace). */
  private segmentStart = false;
  /** Braces opened by the current segment and not yet closed. */
  private nesting = 0;
  private last: Token | undefined;

  /** Whether the next token starts a server block. */
  atBlockStart(): boolean {
    return this.phase === 'start';
  }

  /** Whether the next token is read as a server block's address rather than inside its body. */
  inBody(): boolean {
    return this.phase === 'body';
  }

  /** Whether `t`, coming next, begins a directive inside a block. */
  startsSegment(t: Token): boolean {
    if (this.phase !== 'body') return false;
    return this.segmentStart || (this.nesting === 0 && this.isNewLine(t));
  }

  private isNewLine(t: Token): boolean {
    return !this.last || isNextOnNewLine(this.last, t);
  }

  /** Takes the next token of the expanded stream into account. */
  feed(t: Token): void {
    const newLine = this.isNewLine(t);
    this.last = t;
    if (this.phase === 'start') {
      if (isOpenBrace(t)) this.enterBody();
      else if (!isCloseBrace(t)) {
        this.phase = 'keys';
        this.expectingAnother = t.text.endsWith(',');
      }
      return;
    }
    if (this.phase === 'keys') {
      if (isOpenBrace(t)) {
        this.enterBody();
        return;
      }
      if (this.expectingAnother || !newLine) {
        if (t.text !== '') this.expectingAnother = t.text.endsWith(',');
        return;
      }
      this.enterBody();
    }
    if (this.segmentStart || (this.nesting === 0 && newLine)) {
      this.segmentStart = false;
      this.nesting = 0;
      // A `}` where a directive could start closes the block (or, in a
      // site without braces, ends it); a `{` there is a directive name.
      if (isCloseBrace(t)) this.phase = 'start';
      return;
    }
    if (isOpenBrace(t)) this.nesting++;
    else if (isCloseBrace(t) && this.nesting > 0) this.nesting--;
  }

  private enterBody(): void {
    this.phase = 'body';
    this.segmentStart = true;
    this.nesting = 0;
  }
}
