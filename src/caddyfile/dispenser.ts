import { CaddyfileError } from './errors.js';
import { isNextOnNewLine, type Token } from './token.js';

/**
 * A cursor over tokens with a notion of lines and blocks: the contract every
 * directive parser is written against (Caddy's caddyfile.Dispenser).
 */
export class Dispenser {
  protected cursor = -1;
  protected nesting = 0;
  /** Free-form context, e.g. the name of the matcher being parsed (for {re.NAME.N}). */
  readonly context = new Map<string, unknown>();

  constructor(public tokens: Token[]) {}

  next(): boolean {
    if (this.cursor < this.tokens.length - 1) {
      this.cursor++;
      return true;
    }
    return false;
  }

  prev(): boolean {
    if (this.cursor > -1) {
      this.cursor--;
      return this.cursor > -1;
    }
    return false;
  }

  /** Next token if on the same line and not a block opening. */
  nextArg(): boolean {
    if (!this.nextOnSameLine()) return false;
    if (this.val() === '{' && this.token()!.quoted === '') {
      this.cursor--;
      return false;
    }
    return true;
  }

  protected nextOnSameLine(): boolean {
    if (this.cursor < 0) {
      this.cursor++;
      return true;
    }
    if (this.cursor >= this.tokens.length - 1) return false;
    const curr = this.tokens[this.cursor]!;
    const next = this.tokens[this.cursor + 1]!;
    if (!isNextOnNewLine(curr, next)) {
      this.cursor++;
      return true;
    }
    return false;
  }

  nextLine(): boolean {
    if (this.cursor < 0) {
      this.cursor++;
      return true;
    }
    if (this.cursor >= this.tokens.length - 1) return false;
    const curr = this.tokens[this.cursor]!;
    const next = this.tokens[this.cursor + 1]!;
    if (isNextOnNewLine(curr, next)) {
      this.cursor++;
      return true;
    }
    return false;
  }

  /**
   * Iterates the tokens of the block that opens at the end of the current line:
   * `for (const n = d.nesting_(); d.nextBlock(n);) { ... }`.
   */
  nextBlock(initialNesting: number): boolean {
    if (this.nesting > initialNesting) {
      if (!this.next()) return false;
      const t = this.token()!;
      if (t.quoted === '' && t.text === '}' && !this.nextOnSameLine()) this.nesting--;
      else if (t.quoted === '' && t.text === '{' && !this.nextOnSameLine()) this.nesting++;
      return this.nesting > initialNesting;
    }
    if (!this.nextOnSameLine()) return false;
    if (!(this.val() === '{' && this.token()!.quoted === '')) {
      this.cursor--;
      return false;
    }
    this.next();
    if (this.val() === '}' && this.token()!.quoted === '') return false;
    this.nesting++;
    return true;
  }

  getNesting(): number {
    return this.nesting;
  }

  val(): string {
    return this.tokens[this.cursor]?.text ?? '';
  }

  /** The token text with its quotes, as written (heredocs without markers). */
  valRaw(): string {
    const t = this.tokens[this.cursor];
    if (!t) return '';
    if (t.quoted === '"' || t.quoted === '`') return t.quoted + t.text + t.quoted;
    return t.text;
  }

  /** The current token as the closest scalar (number, boolean) unless it was quoted. */
  scalarVal(): string | number | boolean | null {
    const t = this.tokens[this.cursor];
    if (!t) return null;
    if (t.quoted) return t.text;
    if (/^[+-]?\d+$/.test(t.text)) return Number(t.text);
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t.text)) return Number(t.text);
    if (/^(1|t|T|TRUE|true|True)$/.test(t.text)) return true;
    if (/^(0|f|F|FALSE|false|False)$/.test(t.text)) return false;
    return t.text;
  }

  token(): Token | undefined {
    return this.tokens[this.cursor];
  }

  line(): number {
    return this.tokens[this.cursor]?.line ?? 0;
  }

  file(): string {
    return this.tokens[this.cursor]?.file ?? '';
  }

  /** Fills exactly `n` arguments or returns null (cursor then stays where it got to). */
  args(n: number): string[] | null {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      if (!this.nextArg()) return null;
      out.push(this.val());
    }
    return out;
  }

  /** Like args, but there must be no more arguments than `n`. */
  allArgs(n: number): string[] | null {
    const out = this.args(n);
    if (!out) return null;
    if (this.nextArg()) {
      this.prev();
      return null;
    }
    return out;
  }

  countRemainingArgs(): number {
    let count = 0;
    while (this.nextArg()) count++;
    for (let i = 0; i < count; i++) this.prev();
    return count;
  }

  remainingArgs(): string[] {
    const out: string[] = [];
    while (this.nextArg()) out.push(this.val());
    return out;
  }

  remainingArgsRaw(): string[] {
    const out: string[] = [];
    while (this.nextArg()) out.push(this.valRaw());
    return out;
  }

  /** Tokens from the current one to the end of its line or of the block that ends the line. */
  nextSegment(): Token[] {
    const cur = this.token();
    const tkns: Token[] = cur ? [cur] : [];
    while (this.nextArg()) tkns.push(this.token()!);
    let opened = false;
    for (const n = this.nesting; this.nextBlock(n); ) {
      if (!opened) {
        this.prev();
        tkns.push(this.token()!);
        this.next();
        opened = true;
      }
      tkns.push(this.token()!);
    }
    if (opened) tkns.push(this.token()!);
    return tkns;
  }

  newFromNextSegment(): Dispenser {
    return new Dispenser(this.nextSegment());
  }

  reset(): void {
    this.cursor = -1;
    this.nesting = 0;
  }

  /** Removes the current token; the cursor stays before the next one. */
  delete(): Token[] {
    if (this.cursor >= 0 && this.cursor < this.tokens.length) {
      this.tokens.splice(this.cursor, 1);
      this.cursor--;
    }
    return this.tokens;
  }

  isNewLine(): boolean {
    if (this.cursor < 1) return true;
    if (this.cursor > this.tokens.length - 1) return false;
    return isNextOnNewLine(this.tokens[this.cursor - 1]!, this.tokens[this.cursor]!);
  }

  isNextOnNewLine(): boolean {
    if (this.cursor < 0) return false;
    if (this.cursor >= this.tokens.length - 1) return true;
    return isNextOnNewLine(this.tokens[this.cursor]!, this.tokens[this.cursor + 1]!);
  }

  argErr(): CaddyfileError {
    if (this.val() === '{') return this.err("Unexpected token '{', expecting argument");
    return this.err(`Wrong argument count or unexpected line ending after '${this.val()}'`);
  }

  syntaxErr(expected: string): CaddyfileError {
    return this.err(`Syntax error: Unexpected token '${this.val()}', expecting '${expected}'`);
  }

  eofErr(): CaddyfileError {
    return this.err('Unexpected EOF');
  }

  /** An error positioned at the current token (or the last one if past the end). */
  err(msg: string): CaddyfileError {
    const t = this.tokens[this.cursor] ?? this.tokens[this.tokens.length - 1];
    return CaddyfileError.at(t, msg);
  }
}
