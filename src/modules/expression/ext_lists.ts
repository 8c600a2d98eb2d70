/**
 * cel-go's ext.Lists (all versions), which Caddy's environment enables and
 * the library lacks: slice, flatten, sort, sortBy (a macro in cel-go),
 * lists.range, reverse and distinct, with cel-go's error texts.
 */
import type { ASTNode, Environment } from '@marcbachmann/cel-js';
import { argError } from './ast.js';
import type { CelType, Checker, Evaluator, Macro, MacroInput, Overlay, Scope } from './ext_types.js';
import { celEquals, compareValues, comparableKind } from './ext_values.js';

class ListsNamespace {}

/** cel-go's comparableTypes, as the library names them. */
const comparableTypes = ['int', 'uint', 'double', 'bool', 'google.protobuf.Duration', 'google.protobuf.Timestamp', 'string', 'bytes'];

function slice(list: unknown[], start: bigint, end: bigint): unknown[] {
  if (start < 0n || end < 0n) throw new Error(`cannot slice(${start}, ${end}), negative indexes not supported`);
  if (start > end) throw new Error(`cannot slice(${start}, ${end}), start index must be less than or equal to end index`);
  if (BigInt(list.length) < end) throw new Error(`cannot slice(${start}, ${end}), list is length ${list.length}`);
  return list.slice(Number(start), Number(end));
}

function flatten(list: unknown[], depth: bigint): unknown[] {
  if (depth < 0n) throw new Error('level must be non-negative');
  const out: unknown[] = [];
  for (const v of list) {
    if (Array.isArray(v) && depth > 0n) out.push(...flatten(v, depth - 1n));
    else out.push(v);
  }
  return out;
}

/** cel-go's sortListByAssociatedKeys: keys of one comparable type decide the order of list. */
function sortByKeys(list: unknown[], keys: unknown[]): unknown[] {
  if (list.length !== keys.length) {
    throw new Error(`@sortByAssociatedKeys() expected a list of the same size as the associated keys list, but got ${list.length} and ${keys.length} elements respectively`);
  }
  if (list.length === 0) return list;
  const kind = comparableKind(keys[0]);
  if (kind === null) throw new Error('list elements must be comparable');
  for (const k of keys) if (comparableKind(k) !== kind) throw new Error('list elements must have the same type');
  const order = keys.map((_, i) => i).sort((i, j) => compareValues(keys[i], keys[j]));
  return order.map((i) => list[i]);
}

function distinct(list: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of list) if (!out.some((o) => celEquals(v, o))) out.push(v);
  return out;
}

function range(n: bigint): bigint[] {
  const out: bigint[] = [];
  for (let i = 0n; i < n; i++) out.push(i);
  return out;
}

const sortByTargets = new Set(['list', 'id', '.', '.?', 'call', 'rcall']);

/** list.sortBy(var, keyExpr): the key evaluated per element with var bound, then a sort by the keys. */
function sortByMacro({ args, ast, receiver }: MacroInput): Macro {
  const [iterVar, keyExpr] = args as [ASTNode, ASTNode];
  if (receiver === null || !sortByTargets.has(receiver.op)) {
    throw argError('sortBy can only be applied to a list, identifier, comprehension, call or select expression', receiver ?? ast);
  }
  if (iterVar.op !== 'id') throw argError('argument is not an identifier', iterVar);
  const name = iterVar.args;
  let keyScope: Overlay | null = null;
  return {
    async: false,
    typeCheck(checker: Checker, _m: Macro, scope: Scope) {
      const listType = checker.check(receiver, scope) as CelType;
      if (listType.kind !== 'list' && listType.kind !== 'dyn') {
        throw checker.createError('no_matching_overload', `found no matching overload for '${listType.name}.sortBy'`, ast);
      }
      keyScope = scope.forkWithVariable(name, listType.kind === 'list' ? listType.valueType : checker.getType('dyn'));
      const keyType = checker.check(keyExpr, keyScope) as CelType;
      if (keyType.kind !== 'dyn' && !comparableTypes.includes(keyType.name)) {
        throw checker.createError('no_matching_overload', `found no matching overload for '@sortByAssociatedKeys' applied to '(${listType.name}, list<${keyType.name}>)'`, keyExpr);
      }
      return listType;
    },
    evaluate(ev: Evaluator, _m: Macro, scope: Scope) {
      const list = ev.run(receiver, scope);
      if (!Array.isArray(list)) throw new Error('no such overload: sortBy');
      const keys = list.map((v) => ev.run(keyExpr, keyScope!.reuse(scope).setIterValue(v, ev)));
      return sortByKeys(list, keys);
    },
  };
}

export function registerLists(env: Environment): void {
  env.registerType('lists', ListsNamespace);
  env.registerConstant('lists', 'lists', new ListsNamespace());
  env.registerFunction('lists.range(int): list<int>', (_ns: ListsNamespace, n: bigint) => range(n));
  env.registerFunction('list<A>.slice(int, int): list<A>', slice);
  env.registerFunction('list.flatten(): list', (l: unknown[]) => flatten(l, 1n));
  env.registerFunction('list.flatten(int): list', flatten);
  for (const t of comparableTypes) env.registerFunction(`list<${t}>.sort(): list<${t}>`, (l: unknown[]) => sortByKeys(l, l));
  env.registerFunction('list.sortBy(ast, ast): list', sortByMacro);
  env.registerFunction('list<A>.reverse(): list<A>', (l: unknown[]) => [...l].reverse());
  env.registerFunction('list<A>.distinct(): list<A>', distinct);
}
