/** How a token was written; quoting changes meaning (a quoted `{` is never structural). */
export type Quote = '' | '"' | '`' | '<';

/** One Caddyfile token, with enough provenance for an error to point at it. */
export interface Token {
  file: string;
  /** 1-based line in `file`, after `{$ENV}` substitution (as Caddy counts). */
  line: number;
  /** 1-based column of the token's first character. */
  col: number;
  text: string;
  quoted: Quote;
  /** Set on heredoc tokens (`quoted === '<'`): the closing marker. */
  heredocMarker?: string;
  /** The import chain that brought this token in, outermost first ("file:line" or "snippet"). */
  imports: string[];
  /** Name of the snippet this token was spliced from, if any. */
  snippetName?: string;
}

export function isOpenBrace(t: Token | undefined): boolean {
  return !!t && t.quoted === '' && t.text === '{';
}
export function isCloseBrace(t: Token | undefined): boolean {
  return !!t && t.quoted === '' && t.text === '}';
}

/** Number of line breaks inside a token's own text (multi-line quoted strings, heredocs). */
export function tokenLineSpan(t: Token): number {
  let n = 0;
  for (let i = 0; i < t.text.length; i++) if (t.text.charCodeAt(i) === 10) n++;
  // A heredoc also spans its opening and closing marker lines.
  return t.quoted === '<' ? n + 2 : n;
}

/** Caddy's isNextOnNewLine: does `b` start a new line relative to `a`? */
export function isNextOnNewLine(a: Token, b: Token): boolean {
  if (a.file !== b.file) return true;
  if (a.imports.length !== b.imports.length || a.imports.some((x, i) => x !== b.imports[i])) return true;
  return a.line + tokenLineSpan(a) < b.line;
}
