import * as ohm from 'ohm-js';
import grammarSource from '../../caddyfile-grammar/caddyfile.ohm';
import { CaddyfileError } from './errors.js';
import { isNextOnNewLine, type Token } from './token.js';
import type { ServerBlock } from './parser.js';

const grammar = ohm.grammar(grammarSource);

/** One character per token (see the grammar's header); upper case marks a line's first token. */
function spell(tokens: Token[]): string {
  let text = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const first = i === 0 || isNextOnNewLine(tokens[i - 1]!, t);
    let c = 'w';
    if (t.quoted === '') {
      if (t.text === '{') c = '{';
      else if (t.text === '}') c = '}';
      else if (t.text === '{}') c = 'e';
      else if (t.text.endsWith(',')) c = 'k';
    }
    text += first ? (c === '{' ? '[' : c === '}' ? ']' : c.toUpperCase()) : c;
  }
  return text;
}

const lineStart = (c: string | undefined) => c !== undefined && /[WKE[\]]/.test(c);

/**
 * Names the first structural mistake in Caddy's words (its parser checks these
 * as it goes; the grammar only knows that the input does not fit).
 */
function diagnose(text: string, tokens: Token[], failPos: number): CaddyfileError {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const t = tokens[i]!;
    if (depth === 0 && t.quoted === '' && t.text.length > 1 && t.text.endsWith('{')) {
      return CaddyfileError.at(t, `Site addresses cannot end with a curly brace: '${t.text}' - put a space between the token and the brace`);
    }
    if (c === '{' || c === '[') {
      if (depth >= 1) {
        if (c === '[') return CaddyfileError.at(t, "Unexpected '{' on a new line; did you mean to place the '{' on the previous line?");
        if (i + 1 < text.length && !lineStart(text[i + 1])) return CaddyfileError.at(t, "Unexpected next token after '{' on same line");
      }
      depth++;
    } else if (c === '}' || c === ']') {
      const prev = text[i - 1];
      if (depth === 0 || (depth === 1 && c === '}' && prev !== '{' && prev !== '[')) {
        return CaddyfileError.at(t, "Unexpected '}' because no matching opening brace");
      }
      depth--;
    } else if ((c === 'e' || c === 'E') && depth >= 1 && (i + 1 === text.length || lineStart(text[i + 1]))) {
      return CaddyfileError.at(t, "Unexpected '{}' at end of line");
    }
  }
  if (depth > 0) return CaddyfileError.at(tokens[tokens.length - 1], 'Unexpected EOF');
  const t = tokens[Math.min(failPos, tokens.length - 1)]!;
  return CaddyfileError.at(t, `Syntax error: Unexpected token '${t.text}'`);
}

/** Groups spliced tokens into server blocks and segments. Throws CaddyfileError with Caddy's messages. */
export function structure(tokens: Token[]): ServerBlock[] {
  if (tokens.length === 0) return [];
  const text = spell(tokens);
  const m = grammar.match(text, 'file');
  if (m.failed()) throw diagnose(text, tokens, m.getRightmostFailurePosition());
  const range = (node: ohm.Node): Token[] => tokens.slice(node.source.startIdx, node.source.endIdx);
  return semantics(m).blocks(range) as ServerBlock[];
}

type Range = (node: ohm.Node) => Token[];

const semantics = grammar.createSemantics();
semantics.addOperation<ServerBlock[]>('blocks(range)', {
  file(blocks) {
    return blocks.children.map((b) => b.block(this.args.range));
  },
});
semantics.addOperation<ServerBlock>('block(range)', {
  block_braced(keys, open, body) {
    const range = this.args.range as Range;
    const k = range(keys);
    if (k[k.length - 1]!.text.endsWith(',')) {
      throw CaddyfileError.at(range(open)[0], "Expected another address but had '{' - check for extra comma");
    }
    return { keys: siteKeys(k), segments: body.segs(range), hasBraces: true, isNamedRoute: false };
  },
  block_global(_open, body) {
    return { keys: [], segments: body.segs(this.args.range), hasBraces: true, isNamedRoute: false };
  },
  block_braceless(keys, segments) {
    const range = this.args.range as Range;
    const k = range(keys);
    const last = k[k.length - 1]!;
    if (last.text.endsWith(',') && last.quoted === '') throw CaddyfileError.at(last, 'Unexpected EOF');
    return { keys: siteKeys(k), segments: segments.children.map((s) => range(s)), hasBraces: false, isNamedRoute: false };
  },
});
semantics.addOperation<Token[][]>('segs(range)', {
  siteInner_empty(_close) {
    return [];
  },
  siteInner_body(body, _close) {
    return body.segs(this.args.range);
  },
  siteBody(first, rest) {
    const range = this.args.range as Range;
    return [...first.children, ...rest.children].map((s) => range(s));
  },
});

/** Site keys as Caddy keeps them: the trailing comma dropped, empty ones skipped, mistakes named. */
function siteKeys(keys: Token[]): Token[] {
  const out: Token[] = [];
  for (const t of keys) {
    let v = t.text;
    if (v.startsWith('@')) {
      throw CaddyfileError.at(t, `request matchers may not be defined globally, they must be in a site block; found ${v}`);
    }
    if (v.endsWith('{') && t.quoted === '') {
      throw CaddyfileError.at(t, `Site addresses cannot end with a curly brace: '${v}' - put a space between the token and the brace`);
    }
    if (v.endsWith(',') && t.quoted === '') v = v.slice(0, -1);
    if (v.includes(',')) {
      throw CaddyfileError.at(t, `Site addresses cannot contain a comma ',': '${v}' - put a space after the comma to separate site addresses`);
    }
    if (v !== '') out.push(v === t.text ? t : { ...t, text: v });
  }
  return out;
}
