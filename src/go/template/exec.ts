/**
 * Go's text/template executor (src/text/template/exec.go): walks a tree
 * with a dot and variables, evaluates pipelines, and reports errors as Go
 * does: `template: name:line:col: executing "name" at <node>: message`.
 */
import { type Node, nodeString, type ChainNode, type CommandNode, type FieldNode, type IdentifierNode, type ListNode, type PipeNode, type BranchNode, type TemplateNode, type VariableNode } from './nodes.js';
import { errorLocation, type Tree } from './parse.js';
import { type GoFunc, isMap, isStruct, isTrue, mapGet, mapHas, mapKeys, printValue, typeName } from './values.js';

/** An error while executing: Go's ExecError. `cause` keeps what a function threw (a HandlerError, say). */
export class TemplateExecError extends Error {
  override name = 'TemplateExecError';
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** What the executor needs from a template: its name, its set of trees and functions, and options. */
export interface ExecTemplate {
  readonly name: string;
  readonly tree: Tree | undefined;
  lookup(name: string): ExecTemplate | undefined;
  findFunction(name: string): { fn: GoFunc; builtin: boolean } | undefined;
  readonly missingKey: 'default' | 'zero' | 'error';
}

/** Go's maxExecDepth is 100000; JavaScript's stack is smaller, so fewer nested {{template}} calls. */
export const MAX_EXEC_DEPTH = 1000;

const MISSING: unique symbol = Symbol('missing');
type Final = unknown;

class Break {}
class Continue {}
const BREAK = new Break();
const CONTINUE = new Continue();

interface Variable {
  name: string;
  value: unknown;
}

const OBJECT_PROTO_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/** A method of a struct-like value: a function found on its prototype chain (not Object's own). */
function methodOf(receiver: unknown, name: string): ((...a: unknown[]) => unknown) | undefined {
  if (receiver === null || typeof receiver !== 'object') return undefined;
  if (OBJECT_PROTO_NAMES.has(name)) return undefined;
  if (isMap(receiver) && Object.getPrototypeOf(receiver) === Object.prototype) return undefined;
  if (Object.getPrototypeOf(receiver) === null) return undefined;
  const f = (receiver as Record<string, unknown>)[name];
  if (typeof f !== 'function') return undefined;
  if (Object.prototype.hasOwnProperty.call(receiver, name)) return undefined; // a func-valued field is a value
  return f as (...a: unknown[]) => unknown;
}

export class State {
  private vars: Variable[];
  private node: Node | null = null;
  readonly out: string[];

  constructor(
    private tmpl: ExecTemplate,
    dot: unknown,
    out: string[],
    private depth = 0,
  ) {
    this.vars = [{ name: '$', value: dot }];
    this.out = out;
  }

  errorf(msg: string, cause?: unknown): never {
    const name = this.tmpl.name;
    const tree = this.tmpl.tree;
    if (this.node === null || tree === undefined) throw new TemplateExecError(`template: ${name}: ${msg}`, cause);
    let context = nodeString(this.node);
    if (context.length > 20) context = context.slice(0, 20) + '...';
    throw new TemplateExecError(`template: ${errorLocation(tree, this.node.pos)}: executing ${JSON.stringify(name)} at <${context}>: ${msg}`, cause);
  }

  private at(n: Node): void {
    this.node = n;
  }

  private mark(): number {
    return this.vars.length;
  }
  private pop(mark: number): void {
    this.vars.length = mark;
  }
  private push(name: string, value: unknown): void {
    this.vars.push({ name, value });
  }
  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  private setTopVar(n: number, value: unknown): void {
    this.vars[this.vars.length - n]!.value = value;
  }
  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.errorf(`undefined variable: ${name}`);
  }

  run(root: ListNode, dot: unknown): void {
    this.walk(dot, root);
  }

  walk(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.kind) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'comment':
        return;
      case 'if':
      case 'with':
        this.walkIfOrWith(node, dot);
        return;
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range':
        this.walkRange(dot, node);
        return;
      case 'template':
        this.walkTemplate(dot, node);
        return;
      case 'text':
        this.out.push(node.text);
        return;
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private walkIfOrWith(node: BranchNode, dot: unknown): void {
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, node.pipe);
      if (isTrue(val)) {
        if (node.kind === 'with') this.walk(val, node.list);
        else this.walk(dot, node.list);
      } else if (node.elseList !== null) {
        this.walk(dot, node.elseList);
      }
    } finally {
      this.pop(mark);
    }
  }

  private walkRange(dot: unknown, r: BranchNode): void {
    this.at(r);
    const outer = this.mark();
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const mark = this.mark();
      const decl = r.pipe.decl;
      const one = (index: unknown, elem: unknown): boolean => {
        if (decl.length > 0) {
          if (r.pipe.isAssign) {
            if (decl.length > 1) {
              this.setVar(decl[0]!.ident[0]!, index);
              this.setVar(decl[1]!.ident[0]!, elem);
            } else this.setVar(decl[0]!.ident[0]!, elem);
          } else {
            // The top variable (lexically the second of two) gets the element.
            this.setTopVar(1, elem);
            if (decl.length > 1) this.setTopVar(2, index);
          }
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e === BREAK) return false;
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(mark);
        }
        return true;
      };
      let ranged = false;
      if (Array.isArray(val) || val instanceof Uint8Array) {
        for (let i = 0; i < val.length; i++) {
          ranged = true;
          if (!one(i, val[i])) break;
        }
      } else if (typeof val === 'number') {
        if (!Number.isInteger(val)) this.errorf(`range can't iterate over ${printValue(val)}`);
        if (decl.length > 1) this.errorf(`can't use ${printValue(val)} to iterate over more than one variable`);
        for (let i = 0; i < val; i++) {
          ranged = true;
          if (!one(i, i)) break;
        }
      } else if (isMap(val)) {
        for (const k of mapKeys(val)) {
          ranged = true;
          if (!one(k, mapGet(val, k))) break;
        }
      } else if (val === undefined || val === null) {
        // A nil value (a missing map key): nothing to range over, not an error.
      } else {
        this.errorf(`range can't iterate over ${printValue(val)}`);
      }
      if (!ranged && r.elseList !== null) this.walk(dot, r.elseList);
    } finally {
      this.pop(outer);
    }
  }

  private walkTemplate(dot: unknown, t: TemplateNode): void {
    this.at(t);
    const tmpl = this.tmpl.lookup(t.name);
    if (tmpl === undefined || tmpl.tree === undefined) this.errorf(`template ${JSON.stringify(t.name)} not defined`);
    if (this.depth >= MAX_EXEC_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    const newDot = t.pipe === null ? undefined : this.evalPipeline(dot, t.pipe);
    const s = new State(tmpl, newDot, this.out, this.depth + 1);
    s.walk(newDot, tmpl.tree.root);
  }

  evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe);
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    if (value === MISSING) value = undefined;
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, value);
      else this.push(v.ident[0]!, value);
    }
    return value;
  }

  private notAFunction(args: Node[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.kind) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      case 'number':
        return first.value;
      case 'string':
        return first.text;
    }
    this.errorf(`can't evaluate command ${JSON.stringify(nodeString(first))}`);
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: Node[], final: Final): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: Node[], final: Final): unknown {
    this.at(chain);
    if (chain.field.length === 0) this.errorf('internal error: no fields in evalChainNode');
    if (chain.node.kind === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: unknown, variable: VariableNode, args: Node[], final: Final): unknown {
    this.at(variable);
    const value = this.varValue(variable.ident[0]!);
    if (variable.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, variable, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: Node, ident: string[], args: Node[], final: Final): unknown {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i]!, node, [], MISSING, receiver);
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver);
  }

  private evalFunction(dot: unknown, node: IdentifierNode, cmd: Node, args: Node[], final: Final): unknown {
    this.at(node);
    const name = node.ident;
    const f = this.tmpl.findFunction(name);
    if (f === undefined) this.errorf(`${JSON.stringify(name)} is not a defined function`);
    return this.evalCall(dot, f.fn, f.builtin, cmd, name, args, final, undefined);
  }

  private evalField(dot: unknown, fieldName: string, node: Node, args: Node[], final: Final, receiver: unknown): unknown {
    if (receiver === undefined || receiver === null) {
      if (this.tmpl.missingKey === 'error') this.errorf(`nil data; no entry for key ${JSON.stringify(fieldName)}`);
      return undefined;
    }
    const method = methodOf(receiver, fieldName);
    if (method !== undefined) return this.evalCall(dot, method, false, node, fieldName, args, final, receiver);
    const hasArgs = args.length > 1 || final !== MISSING;
    if (isMap(receiver)) {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      if (!mapHas(receiver, fieldName)) {
        if (this.tmpl.missingKey === 'error') this.errorf(`map has no entry for key ${JSON.stringify(fieldName)}`);
        return undefined;
      }
      return mapGet(receiver, fieldName);
    }
    if (isStruct(receiver) && Object.prototype.hasOwnProperty.call(receiver, fieldName)) {
      if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
      return (receiver as Record<string, unknown>)[fieldName];
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typeName(receiver)}`);
  }

  private evalCall(dot: unknown, fn: GoFunc, builtin: boolean, node: Node, name: string, args: Node[], final: Final, self: unknown): unknown {
    const argNodes = args.slice(1);
    const numIn = argNodes.length + (final !== MISSING ? 1 : 0);
    const min = fn.min ?? fn.length;
    const max = fn.max ?? min;
    if (max === Infinity) {
      if (numIn < min) this.errorf(`wrong number of args for ${name}: want at least ${min} got ${numIn}`);
    } else if (numIn < min || numIn > max) {
      this.errorf(`wrong number of args for ${name}: want ${min === max ? min : `${min}-${max}`} got ${numIn}`);
    }

    // and/or evaluate their arguments only as far as needed (Go 1.18).
    if (builtin && (name === 'and' || name === 'or')) {
      const wantTrue = name === 'or';
      let v: unknown;
      for (let i = 0; i < numIn; i++) {
        v = i < argNodes.length ? this.evalArg(dot, argNodes[i]!) : final;
        if (isTrue(v) === wantTrue) return v;
      }
      return v;
    }

    const values: unknown[] = new Array(numIn);
    for (let i = 0; i < argNodes.length; i++) values[i] = this.evalArg(dot, argNodes[i]!);
    if (final !== MISSING) values[numIn - 1] = final;

    this.at(node);
    try {
      return self === undefined ? fn(...values) : fn.apply(self, values);
    } catch (err) {
      this.at(node);
      const msg = err instanceof Error ? err.message : String(err);
      this.errorf(`error calling ${name}: ${msg}`, err);
    }
  }

  private evalArg(dot: unknown, n: Node): unknown {
    this.at(n);
    switch (n.kind) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'field':
        return this.evalFieldNode(dot, n, [n], MISSING);
      case 'variable':
        return this.evalVariableNode(dot, n, [], MISSING);
      case 'pipe':
        return this.evalPipeline(dot, n);
      case 'identifier':
        return this.evalFunction(dot, n, n, [], MISSING);
      case 'chain':
        return this.evalChainNode(dot, n, [], MISSING);
      case 'bool':
        return n.value;
      case 'number':
        return n.value;
      case 'string':
        return n.text;
    }
    this.errorf(`can't handle ${nodeString(n)} for arg`);
  }

  private printValue(n: Node, v: unknown): void {
    this.at(n);
    if (typeof v === 'function') this.errorf(`can't print ${nodeString(n)} of type func`);
    this.out.push(printValue(v));
  }
}
