/**
 * The parts of @marcbachmann/cel-js's untyped macro hooks and values that
 * the environment uses: AST checker and evaluator, variable scopes, types,
 * and its uint class (not exported; captured from a `0u` literal once).
 */
import type { ASTNode, Environment } from '@marcbachmann/cel-js';

export interface CelType {
  readonly kind: string;
  readonly name: string;
  readonly valueType?: CelType;
  readonly keyType?: CelType;
}

export interface Checker {
  check(node: ASTNode, scope: unknown): unknown;
  getType(name: string): unknown;
  createError(code: string, message: string, node: ASTNode): Error;
}

/** A variable scope; an overlay binds one more variable (comprehensions, cel.bind). */
export interface Scope {
  getValue(key: string): unknown;
  forkWithVariable(name: string, type: unknown): Overlay;
}
export interface Overlay extends Scope {
  reuse(parent: Scope): Overlay;
  setIterValue(value: unknown, ev: Evaluator): Overlay;
}

export interface Evaluator {
  run(node: ASTNode, scope: Scope): unknown;
}

export interface MacroInput {
  args: ASTNode[];
  ast: ASTNode;
  receiver: ASTNode | null;
}

export interface Macro {
  readonly async: false;
  typeCheck(checker: Checker, macro: Macro, scope: Scope): unknown;
  evaluate(ev: Evaluator, macro: Macro, scope: Scope): unknown;
}

/** A CEL uint value (the library's UnsignedInt). */
export interface Uint {
  valueOf(): bigint;
}

let uintClass: (new (v: bigint) => Uint) | null = null;

/** Captures the library's uint class from a literal; called once while building the environment. */
export function captureUintClass(env: Environment): (v: bigint) => Uint {
  const sample = env.evaluate('0u') as object;
  uintClass = sample.constructor as new (v: bigint) => Uint;
  const ctor = uintClass;
  return (v) => new ctor(v);
}

export function makeUint(v: bigint): Uint {
  return new uintClass!(v);
}

export function isUint(v: unknown): v is Uint {
  return uintClass !== null && v instanceof uintClass;
}

/** 'int', 'uint', 'double' for CEL numbers, else null. */
export function numericKind(v: unknown): 'int' | 'uint' | 'double' | null {
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'double';
  return isUint(v) ? 'uint' : null;
}
