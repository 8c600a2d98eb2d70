/**
 * Go's text/template parser (src/text/template/parse/parse.go): one source
 * text becomes the trees it defines, the unnamed top level under the
 * template's own name. Errors read as Go's: `template: name:line: message`.
 */
import { goQuote, type Item, Lexer, T } from './lex.js';
import type { ActionNode, BranchNode, CommandNode, ListNode, Node, PipeNode, TemplateNode, VariableNode } from './nodes.js';

export interface Tree {
  name: string;
  /** The name of the top-level template during parsing, for error messages. */
  parseName: string;
  root: ListNode;
  text: string;
}

export class TemplateParseError extends Error {
  override name = 'TemplateParseError';
}

const ITEM_NAMES: Partial<Record<T, string>> = {
  [T.Block]: 'block',
  [T.Break]: 'break',
  [T.Continue]: 'continue',
  [T.Define]: 'define',
  [T.Else]: 'else',
  [T.End]: 'end',
  [T.If]: 'if',
  [T.Range]: 'range',
  [T.Nil]: 'nil',
  [T.Template]: 'template',
  [T.With]: 'with',
};

/** item.String() from lex.go. */
function itemString(i: Item): string {
  if (i.typ === T.EOF) return 'EOF';
  if (i.typ === T.Error) return i.val;
  const kw = ITEM_NAMES[i.typ];
  if (kw !== undefined) return `<${i.val}>`;
  if (i.val.length > 10) return goQuote(i.val.slice(0, 10)) + '...';
  return goQuote(i.val);
}

/** strconv.Unquote for Go string and character literals. */
export function unquote(s: string): string {
  const q = s[0];
  if (q === '`') {
    if (s.length < 2 || s[s.length - 1] !== '`') throw new Error('invalid syntax');
    return s.slice(1, -1).replace(/\r/g, '');
  }
  if ((q !== '"' && q !== "'") || s[s.length - 1] !== q || s.length < 2) throw new Error('invalid syntax');
  const body = s.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === q && q === '"') throw new Error('invalid syntax');
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    switch (e) {
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case "'":
        if (q !== "'") throw new Error('invalid syntax');
        out += "'";
        break;
      case '"':
        if (q !== '"') throw new Error('invalid syntax');
        out += '"';
        break;
      case 'x': {
        const h = body.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new Error('invalid syntax');
        // A byte: Go strings are bytes; a lone high byte is kept as its Latin-1 character.
        out += String.fromCharCode(parseInt(h, 16));
        i += 2;
        break;
      }
      case 'u':
      case 'U': {
        const n = e === 'u' ? 4 : 8;
        const h = body.slice(i + 1, i + 1 + n);
        if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) throw new Error('invalid syntax');
        out += String.fromCodePoint(parseInt(h, 16));
        i += n;
        break;
      }
      default: {
        if (e !== undefined && e >= '0' && e <= '7') {
          const o = body.slice(i, i + 3);
          if (!/^[0-7]{3}$/.test(o)) throw new Error('invalid syntax');
          out += String.fromCharCode(parseInt(o, 8));
          i += 2;
          break;
        }
        throw new Error('invalid syntax');
      }
    }
  }
  if (q === "'" && [...out].length !== 1) throw new Error('invalid syntax');
  return out;
}

function parseGoNumber(text: string): number | null {
  const t = text.replace(/_/g, '');
  let neg = false;
  let body = t;
  if (body[0] === '+' || body[0] === '-') {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(body)) v = parseInt(body.slice(2), 16);
  else if (/^0[oO][0-7]+$/.test(body)) v = parseInt(body.slice(2), 8);
  else if (/^0[bB][01]+$/.test(body)) v = parseInt(body.slice(2), 2);
  else if (/^0[0-7]+$/.test(body)) v = parseInt(body.slice(1), 8);
  else if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body)) v = Number(body);
  else if (/^0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*[pP][+-]?\d+$/.test(body)) {
    const m = /^0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(body)!;
    v = (parseInt(m[1]! + m[2]! || '0', 16) / 16 ** m[2]!.length) * 2 ** Number(m[3]);
  } else return null;
  return neg ? -v : v;
}

/** Whether a tree holds only space text (Go's IsEmptyTree): such a redefinition keeps the old one. */
export function isEmptyTree(n: Node): boolean {
  switch (n.kind) {
    case 'list':
      return n.nodes.every(isEmptyTree);
    case 'text':
      return n.text.trim() === '';
    case 'comment':
      return true;
    default:
      return false;
  }
}

export interface ParseOptions {
  leftDelim: string;
  rightDelim: string;
  /** The names of functions the template may call (checked at parse time, as Go). */
  hasFunction: (name: string) => boolean;
}

/** Parses `text` as template `name`: returns every tree it defines, the top level included. */
export function parse(name: string, text: string, opts: ParseOptions): Map<string, Tree> {
  const lex = new Lexer(name, text, opts.leftDelim, opts.rightDelim);
  const p = new Parser(name, text, lex.items, opts);
  p.run();
  return p.trees;
}

class Parser {
  readonly trees = new Map<string, Tree>();
  private i = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private treeName: string;
  private tokenLine = 1;

  constructor(
    private readonly parseName: string,
    private readonly text: string,
    private readonly items: Item[],
    private readonly opts: ParseOptions,
  ) {
    this.treeName = parseName;
  }

  // ---- token access ----
  private nextItem(): Item {
    const it = this.items[Math.min(this.i, this.items.length - 1)]!;
    this.i++;
    this.tokenLine = it.line;
    return it;
  }
  private backup(n = 1): void {
    this.i -= n;
  }
  private peek(): Item {
    return this.items[Math.min(this.i, this.items.length - 1)]!;
  }
  private nextNonSpace(): Item {
    let it: Item;
    do it = this.nextItem();
    while (it.typ === T.Space);
    return it;
  }
  private peekNonSpace(): Item {
    const it = this.nextNonSpace();
    this.backup();
    // Backing up over spaces is not needed: the next call skips them again.
    return it;
  }

  errorf(msg: string, line = this.tokenLine): never {
    throw new TemplateParseError(`template: ${this.parseName}:${line}: ${msg}`);
  }
  private expect(typ: T, context: string): Item {
    const t = this.nextNonSpace();
    if (t.typ !== typ) this.unexpected(t, context);
    return t;
  }
  private expectOneOf(a: T, b: T, context: string): Item {
    const t = this.nextNonSpace();
    if (t.typ !== a && t.typ !== b) this.unexpected(t, context);
    return t;
  }
  private unexpected(it: Item, context: string): never {
    if (it.typ === T.Error) this.errorf(it.val, it.line);
    this.errorf(`unexpected ${itemString(it)} in ${context}`, it.line);
  }

  // ---- top level ----
  run(): void {
    const root = this.newList(this.peek().pos);
    while (this.peek().typ !== T.EOF) {
      if (this.peek().typ === T.LeftDelim) {
        const save = this.i;
        this.nextItem();
        if (this.nextNonSpace().typ === T.Define) {
          this.parseDefinition();
          continue;
        }
        this.i = save;
      }
      const n = this.textOrAction();
      if (n.kind === 'end' || n.kind === 'else') this.errorf(`unexpected ${n.text}`, n.line);
      root.nodes.push(n as Node);
    }
    this.add({ name: this.parseName, parseName: this.parseName, root, text: this.text });
  }

  private add(t: Tree): void {
    const old = this.trees.get(t.name);
    if (old === undefined || isEmptyTree(old.root)) {
      this.trees.set(t.name, t);
      return;
    }
    if (!isEmptyTree(t.root)) this.errorf(`template: multiple definition of template ${goQuote(t.name)}`);
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const name = this.expectOneOf(T.String, T.RawString, context);
    let n: string;
    try {
      n = unquote(name.val);
    } catch (e) {
      this.errorf((e as Error).message);
    }
    this.expect(T.RightDelim, context);
    const saveVars = this.vars;
    const saveName = this.treeName;
    this.vars = ['$'];
    this.treeName = n;
    const [list, end] = this.itemList();
    if (end.kind !== 'end') this.errorf(`unexpected ${end.text} in ${context}`);
    this.vars = saveVars;
    this.treeName = saveName;
    this.add({ name: n, parseName: this.parseName, root: list, text: this.text });
  }

  private newList(pos: number): ListNode {
    return { kind: 'list', pos, nodes: [] };
  }

  /** itemList: textOrAction* terminated by {{end}} or {{else}} (returned as the second value). */
  private itemList(): [ListNode, EndOrElse] {
    const list = this.newList(this.peekNonSpace().pos);
    while (this.peekNonSpace().typ !== T.EOF) {
      const n = this.textOrAction();
      if (n.kind === 'end' || n.kind === 'else') return [list, n as EndOrElse];
      list.nodes.push(n as Node);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node | EndOrElse {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case T.Text:
        return { kind: 'text', pos: token.pos, text: token.val };
      case T.LeftDelim:
        return this.action();
      case T.Comment:
        return { kind: 'comment', pos: token.pos, text: token.val };
      default:
        this.unexpected(token, 'input');
    }
  }

  private action(): Node | EndOrElse {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case T.Block:
        return this.blockControl();
      case T.Break:
        return this.breakControl(token);
      case T.Continue:
        return this.continueControl(token);
      case T.Else:
        return this.elseControl(token);
      case T.End:
        return this.endControl(token);
      case T.If:
        return this.parseControl('if', token);
      case T.Range:
        return this.parseControl('range', token);
      case T.Template:
        return this.templateControl(token);
      case T.With:
        return this.parseControl('with', token);
    }
    this.backup();
    const t = this.peek();
    const pipe = this.pipeline('command', T.RightDelim);
    const a: ActionNode = { kind: 'action', pos: t.pos, line: t.line, pipe };
    return a;
  }

  private breakControl(tok: Item): Node {
    const t = this.nextNonSpace();
    if (t.typ !== T.RightDelim) this.unexpected(t, '{{break}}');
    if (this.rangeDepth === 0) this.errorf('{{break}} outside {{range}}');
    return { kind: 'break', pos: tok.pos, line: tok.line };
  }

  private continueControl(tok: Item): Node {
    const t = this.nextNonSpace();
    if (t.typ !== T.RightDelim) this.unexpected(t, '{{continue}}');
    if (this.rangeDepth === 0) this.errorf('{{continue}} outside {{range}}');
    return { kind: 'continue', pos: tok.pos, line: tok.line };
  }

  private pipeline(context: string, end: T): PipeNode {
    const token = this.peekNonSpace();
    const pipe: PipeNode = { kind: 'pipe', pos: token.pos, line: token.line, isAssign: false, decl: [], cmds: [] };
    // Are there declarations or assignments?
    for (;;) {
      const save = this.i;
      const v = this.nextNonSpace();
      if (v.typ !== T.Variable) {
        this.i = save;
        break;
      }
      const next = this.nextNonSpace();
      if (next.typ === T.Assign || next.typ === T.Declare) {
        pipe.isAssign = next.typ === T.Assign;
        if (pipe.isAssign) this.useVar(v.pos, v.val);
        pipe.decl.push({ kind: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        break;
      }
      if (next.typ === T.Char && next.val === ',') {
        pipe.decl.push({ kind: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().typ;
          if (p === T.Variable || p === T.RightDelim || p === T.RightParen) continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      // Not a declaration: the variable is an operand.
      this.i = save;
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      switch (token.typ) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case T.Bool:
        case T.CharConstant:
        case T.Dot:
        case T.Field:
        case T.Identifier:
        case T.Number:
        case T.Nil:
        case T.RawString:
        case T.String:
        case T.Variable:
        case T.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    // Only the first command of a pipeline can start with a non executable operand
    for (let i = 1; i < pipe.cmds.length; i++) {
      const c = pipe.cmds[i]!;
      const k = c.args[0]!.kind;
      if (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 1}`);
      }
    }
  }

  private parseControl(kind: 'if' | 'range' | 'with', tok: Item): BranchNode {
    const saveVars = this.vars.length;
    const pipe = this.pipeline(kind, T.RightDelim);
    if (kind === 'range') this.rangeDepth++;
    const [list, next] = this.itemList();
    if (kind === 'range') this.rangeDepth--;
    let elseList: ListNode | null = null;
    if (next.kind === 'else') {
      elseList = null;
      // Special case for "else if" and "else with": the else list holds a single if/with.
      if ((kind === 'if' && this.peek().typ === T.If) || (kind === 'with' && this.peek().typ === T.With)) {
        const t = this.nextItem();
        elseList = this.newList(next.pos);
        elseList.nodes.push(this.parseControl(kind, t));
        // Do not consume the next item - only one {{end}} required.
      } else {
        const [el, n2] = this.itemList();
        if (n2.kind !== 'end') this.errorf(`expected end; found ${n2.text}`);
        elseList = el;
      }
    }
    this.vars.length = saveVars;
    return { kind, pos: pipe.pos, line: tok.line, pipe, list, elseList };
  }

  private endControl(tok: Item): EndOrElse {
    this.expect(T.RightDelim, 'end');
    return { kind: 'end', pos: tok.pos, line: tok.line, text: '{{end}}' };
  }

  private elseControl(tok: Item): EndOrElse {
    const p = this.peekNonSpace();
    // "{{else if ..." and "{{else with ..." are treated as "{{else}}{{if ...".
    if (p.typ === T.If || p.typ === T.With) {
      this.nextNonSpace();
      this.backup();
      return { kind: 'else', pos: tok.pos, line: tok.line, text: '{{else}}' };
    }
    this.expect(T.RightDelim, 'else');
    return { kind: 'else', pos: tok.pos, line: tok.line, text: '{{else}}' };
  }

  private blockControl(): TemplateNode {
    const context = 'block clause';
    const tok = this.nextNonSpace();
    const name = this.parseTemplateName(tok, context);
    const pipe = this.pipeline(context, T.RightDelim);
    const saveVars = this.vars;
    const saveName = this.treeName;
    this.vars = ['$'];
    this.treeName = name;
    const [list, end] = this.itemList();
    if (end.kind !== 'end') this.errorf(`unexpected ${end.text} in ${context}`);
    this.vars = saveVars;
    this.treeName = saveName;
    this.add({ name, parseName: this.parseName, root: list, text: this.text });
    return { kind: 'template', pos: tok.pos, line: tok.line, name, pipe };
  }

  private templateControl(tok: Item): TemplateNode {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().typ !== T.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, T.RightDelim);
    }
    // Go places the node at its name.
    return { kind: 'template', pos: token.pos, line: token.line, name, pipe };
  }

  private parseTemplateName(token: Item, context: string): string {
    if (token.typ === T.String || token.typ === T.RawString) {
      try {
        return unquote(token.val);
      } catch (e) {
        this.errorf((e as Error).message);
      }
    }
    this.unexpected(token, context);
  }

  private command(): CommandNode {
    const cmd: CommandNode = { kind: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace(); // skip leading spaces.
      const operand = this.operand();
      if (operand !== null) cmd.args.push(operand);
      const token = this.nextItem();
      switch (token.typ) {
        case T.Space:
          continue;
        case T.RightDelim:
        case T.RightParen:
          this.backup();
          break;
        case T.Pipe:
          break;
        default:
          this.unexpected(token, 'operand');
      }
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): Node | null {
    const node = this.term();
    if (node === null) return null;
    if (this.peek().typ === T.Field) {
      const field: string[] = [];
      while (this.peek().typ === T.Field) field.push(this.nextItem().val.slice(1));
      // Compatibility with original API: If the term is of type NodeField
      // or NodeVariable, just put more fields on the original.
      switch (node.kind) {
        case 'field':
          return { kind: 'field', pos: node.pos, ident: [...node.ident, ...field] };
        case 'variable':
          return { kind: 'variable', pos: node.pos, ident: [...node.ident, ...field] };
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          this.errorf(`unexpected . after term ${goQuote(nodeText(node))}`);
        default:
          return { kind: 'chain', pos: node.pos, node, field };
      }
    }
    return node;
  }

  private term(): Node | null {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case T.Identifier: {
        if (!this.opts.hasFunction(token.val)) this.errorf(`function ${goQuote(token.val)} not defined`);
        return { kind: 'identifier', pos: token.pos, ident: token.val };
      }
      case T.Dot:
        return { kind: 'dot', pos: token.pos };
      case T.Nil:
        return { kind: 'nil', pos: token.pos };
      case T.Variable:
        return this.useVar(token.pos, token.val);
      case T.Field:
        return { kind: 'field', pos: token.pos, ident: token.val.slice(1).split('.') };
      case T.Bool:
        return { kind: 'bool', pos: token.pos, value: token.val === 'true' };
      case T.CharConstant:
      case T.Number:
        return this.number(token);
      case T.LeftParen: {
        const pipe = this.pipeline('parenthesized pipeline', T.RightParen);
        return pipe;
      }
      case T.String:
      case T.RawString: {
        let s: string;
        try {
          s = unquote(token.val);
        } catch (e) {
          this.errorf((e as Error).message);
        }
        return { kind: 'string', pos: token.pos, quoted: token.val, text: s };
      }
    }
    this.backup();
    return null;
  }

  private number(token: Item): Node {
    if (token.typ === T.CharConstant) {
      let r: string;
      try {
        r = unquote(token.val);
      } catch {
        this.errorf(`malformed character constant: ${token.val}`);
      }
      const v = r.codePointAt(0)!;
      return { kind: 'number', pos: token.pos, isInt: true, isFloat: true, value: v, text: token.val };
    }
    if (token.val.endsWith('i')) this.errorf(`complex numbers are not supported: ${token.val}`);
    const v = parseGoNumber(token.val);
    if (v === null) this.errorf(`illegal number syntax: ${goQuote(token.val)}`);
    const looksFloat = /[.eEpP]/.test(token.val) && !/^[+-]?0[xX][0-9a-fA-F_]+$/.test(token.val);
    return { kind: 'number', pos: token.pos, isInt: Number.isInteger(v) && !looksFloat, isFloat: looksFloat, value: v, text: token.val };
  }

  private useVar(pos: number, name: string): VariableNode {
    const v: VariableNode = { kind: 'variable', pos, ident: name.split('.') };
    const base = v.ident[0]!;
    if (!this.vars.includes(base)) this.errorf(`undefined variable ${goQuote(base)}`);
    return v;
  }
}

interface EndOrElse {
  kind: 'end' | 'else';
  pos: number;
  line: number;
  text: string;
}

function nodeText(n: Node): string {
  switch (n.kind) {
    case 'string':
      return n.quoted;
    case 'number':
      return n.text;
    case 'bool':
      return String(n.value);
    case 'nil':
      return 'nil';
    default:
      return '.';
  }
}

/** Where a node sits in the source: `name:line:col` as Go's ErrorContext. */
export function errorLocation(tree: Tree, pos: number): string {
  const text = tree.text.slice(0, pos);
  const nl = text.lastIndexOf('\n');
  const col = nl === -1 ? pos : pos - nl - 1;
  let line = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return `${tree.parseName}:${line}:${col}`;
}
