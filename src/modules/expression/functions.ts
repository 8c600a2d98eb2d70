/**
 * Caddy's request matchers as CEL functions (each matcher's CELLibrary):
 * the argument forms Caddy accepts, checked as its macro expanders check
 * them, and the matcher JSON each call stands for. The call is then served
 * by the registered matcher module itself, so `path('/a*')` in CEL and
 * `path /a*` in a matcher set behave alike (captures and file placeholders
 * included).
 *
 *   host/path/method/remote_ip/client_ip('a', 'b', ...)  string lists
 *   protocol('https')                                     one string
 *   path_regexp([name,] pattern)                          {re.name.N}
 *   header_regexp([name,] field, pattern), vars_regexp([name,] key, pattern)
 *   header/query/vars({'key': 'value' | ['values']})       map literals
 *   file(), file('a', 'b'), file({'root': ..., 'try_files': [...], 'try_policy': ..., 'split_path': [...]})
 *   url_pattern(pattern [, base_url])                      newer Caddy's URLPattern matcher
 *
 * Strings may be literals, placeholders or a `+` of those; placeholders make
 * the matcher depend on the request, provisioned per distinct value.
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import { argError, isStringExpr } from './ast.js';

/** An argument's value: a string, a string list, or a map of string lists. */
export type ArgValue = string | string[] | Map<string, string[]>;

export interface CelFunction {
  readonly name: string;
  /** Whether a call may have n arguments (other counts find no overload). */
  arities(n: number): boolean;
  /** Checks the argument nodes (throwing Caddy's message at the culprit) and returns those to evaluate. */
  expand(args: ASTNode[], call: ASTNode): ASTNode[];
  /** The matcher module and its JSON for the evaluated arguments. */
  config(values: ArgValue[], matcherName: string): [string, unknown];
}

const str = (v: ArgValue | undefined): string => (typeof v === 'string' ? v : '');
const list = (v: ArgValue | undefined): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v : []);
const record = (v: ArgValue | undefined): Record<string, string[]> => Object.fromEntries(v instanceof Map ? v : []);

/** celMatcherStringListMacroExpander: one or more string expressions. */
function stringArgs(args: ASTNode[], call: ASTNode): ASTNode[] {
  if (args.length === 0) throw argError('matcher requires at least one argument', call);
  for (const a of args) if (!isStringExpr(a)) throw argError('matcher arguments must be string constants', a);
  return args;
}

/** celMatcherStringMacroExpander: exactly one string expression. */
function stringArg(args: ASTNode[], call: ASTNode): ASTNode[] {
  if (args.length !== 1) throw argError('matcher requires one argument', call);
  if (!isStringExpr(args[0]!)) throw argError('matcher argument must be a string literal', args[0]!);
  return args;
}

function isStringListLiteral(n: ASTNode): boolean {
  return n.op === 'list' && n.args.every(isStringExpr);
}

/** celMatcherJSONMacroExpander: one map literal of string keys to strings or string lists. */
function mapArg(args: ASTNode[], call: ASTNode): ASTNode[] {
  if (args.length !== 1) throw argError('matcher requires a map literal argument', call);
  const arg = args[0]!;
  if (arg.op !== 'map') throw argError('matcher requires a map literal argument', arg);
  for (const [k, v] of arg.args) {
    if (!isStringExpr(k)) throw argError('matcher map keys must be string literals', k);
    if (!isStringExpr(v) && !isStringListLiteral(v)) throw argError('matcher map values must be string or list literals', v);
  }
  return args;
}

function stringList(name: string, toConfig: (values: string[]) => unknown): CelFunction {
  return {
    name,
    arities: (n) => n >= 0,
    expand: stringArgs,
    config: (values) => [name, toConfig(values.map(str))],
  };
}

function ipRanges(name: string): CelFunction {
  return stringList(name, (ranges) => {
    // Checked here, as Caddy's factory does, so the message is Caddy's (the decoder's would name the JSON field).
    if (ranges.includes('forwarded')) throw new Error("the 'forwarded' option is no longer supported; use the 'client_ip' matcher instead");
    return { ranges };
  });
}

function jsonMap(name: string): CelFunction {
  return { name, arities: (n) => n === 1, expand: mapArg, config: (values) => [name, record(values[0])] };
}

/** path_regexp(pattern) / path_regexp(name, pattern): an empty name falls back to the matcher's. */
const pathRegexp: CelFunction = {
  name: 'path_regexp',
  arities: (n) => n === 1 || n === 2,
  expand: (args, call) => (args.length === 1 ? stringArg(args, call) : stringArgs(args, call)),
  config: (values, matcherName) => {
    const [name, pattern] = values.length === 1 ? [matcherName, str(values[0])] : [str(values[0]) || matcherName, str(values[1])];
    return ['path_regexp', { name, pattern }];
  },
};

/** header_regexp / vars_regexp: ([name,] key, pattern). */
function keyedRegexp(name: string): CelFunction {
  return {
    name,
    arities: (n) => n === 2 || n === 3,
    expand: stringArgs,
    config: (values, matcherName) => {
      const s = values.map(str);
      const [reName, key, pattern] = s.length === 2 ? [matcherName, s[0]!, s[1]!] : [s[0]! || matcherName, s[1]!, s[2]!];
      return [name, { [key]: { name: reName, pattern } }];
    },
  };
}

const tryFilesKeys = new Set(['try_files', 'split_path', 'try_policy', 'root']);

/** isCELTryFilesLiteral: the map form of file(). */
function isTryFilesLiteral(n: ASTNode): boolean {
  if (n.op !== 'map') return false;
  return n.args.every(([k, v]) => {
    if (k.op !== 'value' || typeof k.args !== 'string' || !tryFilesKeys.has(k.args)) return false;
    return k.args === 'try_files' || k.args === 'split_path' ? isStringListLiteral(v) : isStringExpr(v);
  });
}

const isLiteralOrPlaceholder = (n: ASTNode) => (n.op === 'value' && typeof n.args === 'string') || (n.op === 'call' && n.args[0] === 'ph');

/** celFileMatcherMacroExpander. */
const file: CelFunction = {
  name: 'file',
  arities: (n) => n >= 0,
  expand(args) {
    if (args.length === 1 && !isLiteralOrPlaceholder(args[0]!) && !isTryFilesLiteral(args[0]!)) {
      throw argError('matcher requires either a map or string literal argument', args[0]!);
    }
    if (args.length > 1) {
      for (const a of args) if (!isLiteralOrPlaceholder(a)) throw argError('matcher only supports repeated string literal arguments', a);
    }
    return args;
  },
  config(values) {
    if (values.length === 0) return ['file', {}];
    if (!(values[0] instanceof Map)) return ['file', { try_files: values.map(str) }];
    const m = values[0];
    const first = (k: string) => m.get(k)?.[0];
    const cfg: Record<string, unknown> = {};
    if (first('root') !== undefined) cfg['root'] = first('root');
    if (first('try_policy') !== undefined) cfg['try_policy'] = first('try_policy');
    if (m.has('try_files')) cfg['try_files'] = list(m.get('try_files'));
    if (m.has('split_path')) cfg['split_path'] = list(m.get('split_path'));
    return ['file', cfg];
  },
};

/** url_pattern(pattern) / url_pattern(pattern, base_url): one string, or two as a string list (CELMatcherImpl's forms). */
const urlPattern: CelFunction = {
  name: 'url_pattern',
  arities: (n) => n === 1 || n === 2,
  expand: (args, call) => (args.length === 1 ? stringArg(args, call) : stringArgs(args, call)),
  config: (values) => {
    const s = values.map(str);
    return ['url_pattern', s.length === 1 ? { pattern: s[0] } : { pattern: s[0], base_url: s[1] }];
  },
};

export const celFunctions: readonly CelFunction[] = [
  stringList('host', (v) => v),
  stringList('path', (v) => v),
  stringList('method', (v) => v),
  ipRanges('remote_ip'),
  ipRanges('client_ip'),
  // Lower-cased as Caddy's CEL factory does (the JSON matcher compares as written).
  { name: 'protocol', arities: (n) => n === 1, expand: stringArg, config: (values) => ['protocol', str(values[0]).toLowerCase()] },
  pathRegexp,
  keyedRegexp('header_regexp'),
  keyedRegexp('vars_regexp'),
  jsonMap('header'),
  jsonMap('query'),
  jsonMap('vars'),
  file,
  urlPattern,
];

export const celFunctionNames: ReadonlySet<string> = new Set(celFunctions.map((f) => f.name));
