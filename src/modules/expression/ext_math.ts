/**
 * cel-go's ext.Math (all versions), which Caddy's environment enables and
 * the library lacks: math.greatest / math.least (macros in cel-go, with its
 * parse-time argument checks), rounding, sign/abs, the float predicates,
 * sqrt and the bitwise functions on int and uint with Go's 64-bit
 * wrap-around. `math` is a namespace constant, as the library's own `cel`.
 */
import type { ASTNode, Environment } from '@marcbachmann/cel-js';
import { argError } from './ast.js';
import { type Checker, type MacroInput, type Macro, type Scope, type Evaluator, type CelType, isUint, numericKind, type Uint } from './ext_types.js';

class MathNamespace {}

/** cel-go's isNumericArgType: a numeric literal, or anything that is not a literal, list or map. */
function isNumericArg(n: ASTNode): boolean {
  if (n.op === 'value') return typeof n.args === 'bigint' || typeof n.args === 'number' || (n.args !== null && typeof n.args === 'object' && isUint(n.args));
  return n.op !== 'list' && n.op !== 'map';
}

const numericTypes = new Set(['int', 'uint', 'double']);

/** math.greatest / math.least: argument checks at parse time, types at check time, the fold per request. */
function extremumMacro(name: 'greatest' | 'least', internal: string, pick: (a: unknown, b: unknown) => boolean) {
  const label = `math.${name}()`;
  return ({ args, ast }: MacroInput): Macro => {
    if (args.length === 1) {
      const a = args[0]!;
      const okList = a.op === 'list' && a.args.length > 0 && a.args.every(isNumericArg);
      if (!okList && !isNumericArg(a)) throw argError(`${label} invalid single argument value`, a);
    } else {
      for (const a of args) if (!isNumericArg(a)) throw argError(`${label} simple literal arguments must be numeric`, a);
    }
    const listForm = args.length === 1;
    return {
      async: false,
      typeCheck(checker: Checker, _m: Macro, scope: unknown) {
        const types = args.map((a) => checker.check(a, scope) as CelType);
        const elems = listForm && types[0]!.kind === 'list' ? [types[0]!.valueType!] : types;
        for (const t of elems) {
          if (t.kind !== 'dyn' && !numericTypes.has(t.name)) {
            throw checker.createError('no_matching_overload', `found no matching overload for 'math.@${internal}' applied to '(${types.map((x) => x.name).join(', ')})'`, ast);
          }
        }
        const first = elems[0]!;
        return elems.every((t) => t === first) ? first : checker.getType('dyn');
      },
      evaluate(ev: Evaluator, _m: Macro, scope: Scope) {
        let values = args.map((a) => ev.run(a, scope));
        if (listForm && Array.isArray(values[0])) {
          values = values[0] as unknown[];
          if (values.length === 0) throw new Error(`math.@${internal}(list) argument must not be empty`);
        }
        let best = values[0];
        if (numericKind(best) === null) throw new Error(`no such overload: math.@${internal}`);
        for (let i = 1; i < values.length; i++) {
          const v = values[i];
          if (numericKind(v) === null) throw new Error(`no such overload: math.@${internal}`);
          // JS compares bigint and number exactly, as cel-go's cross-type numeric comparison does.
          if (pick(v, best)) best = v;
        }
        return best;
      },
    };
  };
}

const MIN_INT64 = -(2n ** 63n);

function checkShift(fn: string, bits: bigint): void {
  if (bits < 0n) throw new Error(`math.${fn}() negative offset: ${bits}`);
}

export function registerMath(env: Environment, uint: (v: bigint) => Uint): void {
  env.registerType('math', MathNamespace);
  env.registerConstant('math', 'math', new MathNamespace());
  const fn = (sig: string, handler: (...args: never[]) => unknown) => env.registerFunction(`math.${sig}`, (_ns: MathNamespace, ...a: unknown[]) => (handler as (...x: unknown[]) => unknown)(...a));

  const greater = (a: unknown, b: unknown) => (a as number) > (b as number);
  const less = (a: unknown, b: unknown) => (a as number) < (b as number);
  for (let n = 1; n <= 32; n++) {
    const params = Array.from({ length: n }, () => 'ast').join(', ');
    env.registerFunction(`math.greatest(${params}): dyn`, extremumMacro('greatest', 'max', greater));
    env.registerFunction(`math.least(${params}): dyn`, extremumMacro('least', 'min', less));
  }

  fn('ceil(double): double', (v: number) => Math.ceil(v));
  fn('floor(double): double', (v: number) => Math.floor(v));
  // Go's math.Round: halves away from zero (JS rounds them up).
  fn('round(double): double', (v: number) => (v < 0 ? -Math.round(-v) : Math.round(v)));
  fn('trunc(double): double', (v: number) => Math.trunc(v));
  fn('isInf(double): bool', (v: number) => v === Infinity || v === -Infinity);
  fn('isNaN(double): bool', (v: number) => Number.isNaN(v));
  fn('isFinite(double): bool', (v: number) => Number.isFinite(v));
  fn('abs(double): double', (v: number) => Math.abs(v));
  fn('abs(int): int', (v: bigint) => {
    if (v === MIN_INT64) throw new Error('integer overflow');
    return v < 0n ? -v : v;
  });
  fn('abs(uint): uint', (v: Uint) => v);
  fn('sign(double): double', (v: number) => (Number.isNaN(v) ? v : v > 0 ? 1 : v < 0 ? -1 : 0));
  fn('sign(int): int', (v: bigint) => (v > 0n ? 1n : v < 0n ? -1n : 0n));
  fn('sign(uint): uint', (v: Uint) => uint(v.valueOf() === 0n ? 0n : 1n));
  fn('sqrt(double): double', (v: number) => Math.sqrt(v));
  fn('sqrt(int): double', (v: bigint) => Math.sqrt(Number(v)));
  fn('sqrt(uint): double', (v: Uint) => Math.sqrt(Number(v.valueOf())));

  const i64 = (v: bigint) => BigInt.asIntN(64, v);
  const u64 = (v: bigint) => uint(BigInt.asUintN(64, v));
  fn('bitAnd(int, int): int', (a: bigint, b: bigint) => a & b);
  fn('bitAnd(uint, uint): uint', (a: Uint, b: Uint) => u64(a.valueOf() & b.valueOf()));
  fn('bitOr(int, int): int', (a: bigint, b: bigint) => a | b);
  fn('bitOr(uint, uint): uint', (a: Uint, b: Uint) => u64(a.valueOf() | b.valueOf()));
  fn('bitXor(int, int): int', (a: bigint, b: bigint) => a ^ b);
  fn('bitXor(uint, uint): uint', (a: Uint, b: Uint) => u64(a.valueOf() ^ b.valueOf()));
  fn('bitNot(int): int', (a: bigint) => ~a);
  fn('bitNot(uint): uint', (a: Uint) => u64(~a.valueOf()));
  // Go's shifts by 64 or more give 0; checked first so a huge count never builds a huge bigint.
  fn('bitShiftLeft(int, int): int', (v: bigint, bits: bigint) => (checkShift('bitShiftLeft', bits), bits >= 64n ? 0n : i64(v << bits)));
  fn('bitShiftLeft(uint, int): uint', (v: Uint, bits: bigint) => (checkShift('bitShiftLeft', bits), bits >= 64n ? uint(0n) : u64(v.valueOf() << bits)));
  // The sign bit is not extended (cel-go shifts the uint64 representation).
  fn('bitShiftRight(int, int): int', (v: bigint, bits: bigint) => (checkShift('bitShiftRight', bits), bits >= 64n ? 0n : i64(BigInt.asUintN(64, v) >> bits)));
  fn('bitShiftRight(uint, int): uint', (v: Uint, bits: bigint) => (checkShift('bitShiftRight', bits), bits >= 64n ? uint(0n) : u64(v.valueOf() >> bits)));
}
