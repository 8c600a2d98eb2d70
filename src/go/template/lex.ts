/**
 * Go's text/template lexer (src/text/template/parse/lex.go): text and
 * actions between delimiters, trim markers, comments, and the tokens of an
 * action. Positions are byte offsets into the source, as Go reports them.
 */

export const enum T {
  Error,
  Bool,
  Char,
  CharConstant,
  Comment,
  Assign,
  Declare,
  EOF,
  Field,
  Identifier,
  LeftDelim,
  LeftParen,
  Number,
  Pipe,
  RawString,
  RightDelim,
  RightParen,
  Space,
  String,
  Text,
  Variable,
  // Keywords.
  Block,
  Break,
  Continue,
  Dot,
  Define,
  Else,
  End,
  If,
  Nil,
  Range,
  Template,
  With,
}

export interface Item {
  typ: T;
  pos: number;
  val: string;
  line: number;
}

// A Map, not an object literal: "toString" or "constructor" must not look like keywords.
const KEYWORDS: ReadonlyMap<string, T> = new Map([
  ['.', T.Dot],
  ['block', T.Block],
  ['break', T.Break],
  ['continue', T.Continue],
  ['define', T.Define],
  ['else', T.Else],
  ['end', T.End],
  ['if', T.If],
  ['range', T.Range],
  ['nil', T.Nil],
  ['template', T.Template],
  ['with', T.With],
]);

const TRIM = '-';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlphaNumeric = (c: string): boolean => c === '_' || /^[\p{L}\p{Nd}]$/u.test(c);

/** Lexes the whole input at once (Go's lexer runs as a goroutine; the item order is the same). */
export class Lexer {
  readonly items: Item[] = [];
  private pos = 0;
  private start = 0;
  /** Line counting for emitted items: items come in order, so one forward scan. */
  private countedTo = 0;
  private countedLine = 1;
  private parenDepth = 0;

  constructor(
    readonly name: string,
    readonly input: string,
    readonly leftDelim = '{{',
    readonly rightDelim = '}}',
    /** Go's lexer option: comments are emitted (parse.ParseComments); the executor never needs them. */
    private readonly emitComment = false,
    /** Go 1.18+: break and continue are keywords inside range. */
    private readonly breakOK = true,
    private readonly continueOK = true,
  ) {
    if (leftDelim === '') this.leftDelim = '{{';
    if (rightDelim === '') this.rightDelim = '}}';
    this.run();
  }

  private next(): string {
    if (this.pos >= this.input.length) {
      this.pos++; // so backup works at EOF as in Go
      return '';
    }
    const c = this.input[this.pos]!;
    const cp = this.input.codePointAt(this.pos)!;
    const s = cp > 0xffff ? String.fromCodePoint(cp) : c;
    this.pos += s.length;
    return s;
  }

  private peek(): string {
    const save = this.pos;
    const c = this.next();
    this.pos = save;
    return c;
  }

  private backup(c: string): void {
    if (c === '') {
      this.pos--;
      return;
    }
    this.pos -= c.length;
  }

  private lineAt(pos: number): number {
    if (pos < this.countedTo) {
      this.countedTo = 0;
      this.countedLine = 1;
    }
    this.countedLine += countNL(this.input, this.countedTo, pos);
    this.countedTo = pos;
    return this.countedLine;
  }

  private emit(t: T): void {
    this.items.push({ typ: t, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.lineAt(this.start) });
    this.start = this.pos;
  }

  private ignore(): void {
    this.start = this.pos;
  }

  private errorf(msg: string): false {
    this.items.push({ typ: T.Error, pos: this.start, val: msg, line: this.lineAt(this.start) });
    this.start = this.input.length;
    this.pos = this.input.length;
    return false;
  }

  private run(): void {
    let s: 'text' | 'action' | false = 'text';
    while (s !== false) s = s === 'text' ? this.lexText() : this.lexInsideAction();
  }

  private lexText(): false | 'text' | 'action' {
    const x = this.input.indexOf(this.leftDelim, this.pos);
    if (x >= 0) {
      this.pos = x;
      let trimLength = 0;
      const after = x + this.leftDelim.length;
      if (this.hasLeftTrimMarker(after)) trimLength = rightTrimLength(this.input.slice(this.start, this.pos));
      this.pos -= trimLength;
      if (this.pos > this.start) this.emit(T.Text);
      this.pos += trimLength;
      this.start = this.pos;
      return this.lexLeftDelim();
    }
    this.pos = this.input.length;
    if (this.pos > this.start) this.emit(T.Text);
    this.emit(T.EOF);
    return false;
  }

  private hasLeftTrimMarker(at: number): boolean {
    return this.input[at] === TRIM && at + 1 < this.input.length && isSpace(this.input[at + 1]!);
  }

  private atRightDelim(): { delim: boolean; trim: boolean } {
    // A trim marker is " -" followed by the delimiter.
    if (this.input.startsWith(' ' + TRIM + this.rightDelim, this.pos) || this.input.startsWith('\t' + TRIM + this.rightDelim, this.pos) || this.input.startsWith('\r' + TRIM + this.rightDelim, this.pos) || this.input.startsWith('\n' + TRIM + this.rightDelim, this.pos)) {
      return { delim: true, trim: true };
    }
    return { delim: this.input.startsWith(this.rightDelim, this.pos), trim: false };
  }

  private lexLeftDelim(): false | 'text' | 'action' {
    this.pos += this.leftDelim.length;
    const trimSpace = this.hasLeftTrimMarker(this.pos);
    const afterMarker = trimSpace ? 2 : 0;
    if (this.input.startsWith(LEFT_COMMENT, this.pos + afterMarker)) {
      this.pos += afterMarker;
      this.ignore();
      return this.lexComment();
    }
    this.emit(T.LeftDelim);
    this.pos += afterMarker;
    this.ignore();
    this.parenDepth = 0;
    return 'action';
  }

  private lexComment(): false | 'text' | 'action' {
    this.pos += LEFT_COMMENT.length;
    const x = this.input.indexOf(RIGHT_COMMENT, this.pos);
    if (x < 0) return this.errorf('unclosed comment');
    this.pos = x + RIGHT_COMMENT.length;
    const { delim, trim } = this.atRightDelim();
    if (!delim) return this.errorf('comment ends before closing delimiter');
    if (this.emitComment) this.emit(T.Comment);
    if (trim) this.pos += 2;
    this.pos += this.rightDelim.length;
    if (trim) this.skipTrailingSpace();
    this.ignore();
    return 'text';
  }

  private skipTrailingSpace(): void {
    while (this.pos < this.input.length && isSpace(this.input[this.pos]!)) this.pos++;
  }

  private lexRightDelim(trimSpace: boolean): false | 'text' | 'action' {
    if (trimSpace) {
      this.pos += 2; // space and '-'
      this.ignore();
    }
    this.pos += this.rightDelim.length;
    this.emit(T.RightDelim);
    if (trimSpace) {
      this.skipTrailingSpace();
      this.ignore();
    }
    return 'text';
  }

  private lexInsideAction(): false | 'text' | 'action' {
    const { delim, trim } = this.atRightDelim();
    if (delim) {
      if (this.parenDepth === 0) return this.lexRightDelim(trim);
      return this.errorf('unclosed left paren');
    }
    const r = this.next();
    if (r === '') return this.errorf('unclosed action');
    if (isSpace(r)) {
      this.backup(r);
      return this.lexSpace();
    }
    if (r === '=') {
      this.emit(T.Assign);
      return 'action';
    }
    if (r === ':') {
      if (this.next() !== '=') return this.errorf('expected :=');
      this.emit(T.Declare);
      return 'action';
    }
    if (r === '|') {
      this.emit(T.Pipe);
      return 'action';
    }
    if (r === '"') return this.lexQuote();
    if (r === '`') return this.lexRawQuote();
    if (r === '$') return this.lexVariable();
    if (r === "'") return this.lexChar();
    if (r === '.') {
      // Special look-ahead for ".field" so we don't break l.backup().
      if (this.pos < this.input.length) {
        const c = this.input[this.pos]!;
        if (c < '0' || c > '9') return this.lexField();
      }
      this.backup(r);
      return this.lexNumber();
    }
    if (r === '+' || r === '-' || (r >= '0' && r <= '9')) {
      this.backup(r);
      return this.lexNumber();
    }
    if (isAlphaNumeric(r)) {
      this.backup(r);
      return this.lexIdentifier();
    }
    if (r === '(') {
      this.emit(T.LeftParen);
      this.parenDepth++;
      return 'action';
    }
    if (r === ')') {
      this.parenDepth--;
      if (this.parenDepth < 0) return this.errorf('unexpected right paren');
      this.emit(T.RightParen);
      return 'action';
    }
    const cp = r.codePointAt(0)!;
    if (cp <= 0x7f && cp >= 0x20) {
      this.emit(T.Char);
      return 'action';
    }
    return this.errorf(`unrecognized character in action: ${goQuoteRune(r)}`);
  }

  private lexSpace(): false | 'text' | 'action' {
    let numSpaces = 0;
    for (;;) {
      const r = this.peek();
      if (r === '' || !isSpace(r)) break;
      this.next();
      numSpaces++;
      // Be careful about a trim-marked closing delimiter, which has a minus
      // after a space. We know there is a space, so check for the '-' that might follow.
      if (this.input.startsWith(TRIM + this.rightDelim, this.pos)) {
        this.backup(r);
        if (numSpaces === 1) return this.lexRightDelim(true);
        break;
      }
    }
    this.emit(T.Space);
    return 'action';
  }

  private lexIdentifier(): false | 'text' | 'action' {
    for (;;) {
      const r = this.next();
      if (r !== '' && isAlphaNumeric(r)) continue;
      this.backup(r);
      const word = this.input.slice(this.start, this.pos);
      if (!this.atTerminator()) return this.errorf(`bad character ${goQuoteRune(this.input[this.pos] ?? '')}`);
      const kw = KEYWORDS.get(word);
      if (kw !== undefined && kw !== T.Dot) {
        if ((kw === T.Break && !this.breakOK) || (kw === T.Continue && !this.continueOK)) this.emit(T.Identifier);
        else this.emit(kw);
      } else if (word[0] === '.') this.emit(T.Field);
      else if (word === 'true' || word === 'false') this.emit(T.Bool);
      else this.emit(T.Identifier);
      return 'action';
    }
  }

  private lexField(): false | 'text' | 'action' {
    return this.lexFieldOrVariable(T.Field);
  }

  private lexVariable(): false | 'text' | 'action' {
    if (this.atTerminator()) {
      this.emit(T.Variable); // Nothing interesting follows -> "$".
      return 'action';
    }
    return this.lexFieldOrVariable(T.Variable);
  }

  private lexFieldOrVariable(typ: T): false | 'text' | 'action' {
    if (this.atTerminator()) {
      if (typ === T.Variable) this.emit(T.Variable);
      else this.emit(T.Dot);
      return 'action';
    }
    for (;;) {
      const r = this.next();
      if (r !== '' && isAlphaNumeric(r)) continue;
      this.backup(r);
      break;
    }
    if (!this.atTerminator()) return this.errorf(`bad character ${goQuoteRune(this.input[this.pos] ?? '')}`);
    this.emit(typ);
    return 'action';
  }

  /** Whether the next character can follow an identifier or field. */
  private atTerminator(): boolean {
    const r = this.peek();
    if (r === '' || isSpace(r)) return true;
    if ('.,|:)('.includes(r)) return true;
    return this.input.startsWith(this.rightDelim, this.pos);
  }

  private lexChar(): false | 'text' | 'action' {
    for (;;) {
      let r = this.next();
      if (r === '\\') {
        r = this.next();
        if (r !== '' && r !== '\n') continue;
      }
      if (r === '' || r === '\n') return this.errorf('unterminated character constant');
      if (r === "'") break;
    }
    this.emit(T.CharConstant);
    return 'action';
  }

  private lexNumber(): false | 'text' | 'action' {
    if (!this.scanNumber()) return this.errorf(`bad number syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
    const sign = this.peek();
    if (sign === '+' || sign === '-') {
      // Complex: 1+2i. No spaces, must end in 'i'.
      if (!this.scanNumber() || this.input[this.pos - 1] !== 'i') return this.errorf(`bad number syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
    }
    this.emit(T.Number);
    return 'action';
  }

  private accept(valid: string): boolean {
    const r = this.next();
    if (r !== '' && valid.includes(r)) return true;
    this.backup(r);
    return false;
  }

  private acceptRun(valid: string): void {
    for (;;) {
      const r = this.next();
      if (r === '' || !valid.includes(r)) {
        this.backup(r);
        return;
      }
    }
  }

  private scanNumber(): boolean {
    this.accept('+-');
    let digits = '0123456789_';
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (this.accept('oO')) digits = '01234567_';
      else if (this.accept('bB')) digits = '01_';
    }
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (digits.length === 10 + 1 && this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    if (digits.length === 16 + 6 + 1 && this.accept('pP')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    this.accept('i');
    const r = this.peek();
    return !(r !== '' && isAlphaNumeric(r));
  }

  private lexQuote(): false | 'text' | 'action' {
    for (;;) {
      let r = this.next();
      if (r === '\\') {
        r = this.next();
        if (r !== '' && r !== '\n') continue;
      }
      if (r === '' || r === '\n') return this.errorf('unterminated quoted string');
      if (r === '"') break;
    }
    this.emit(T.String);
    return 'action';
  }

  private lexRawQuote(): false | 'text' | 'action' {
    const x = this.input.indexOf('`', this.pos);
    if (x < 0) return this.errorf('unterminated raw quoted string');
    this.pos = x + 1;
    this.emit(T.RawString);
    return 'action';
  }
}

function countNL(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

function rightTrimLength(s: string): number {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && isSpace(s[i]!); i--) n++;
  return n;
}

/** strconv.Quote for messages (ASCII-safe enough for error text). */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u007f/g, '\\x7f');
}

export function goQuoteRune(r: string): string {
  if (r === "'") return "'\\''";
  const j = JSON.stringify(r);
  return "'" + j.slice(1, -1).replace(/\\"/g, '"') + "'";
}
