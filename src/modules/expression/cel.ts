/**
 * The CEL environment of the expression matcher, built once per process on
 * @marcbachmann/cel-js: Caddy's `ph(req, "key")` placeholder function and
 * the request-matcher functions (functions.ts) as macros, so their
 * arguments are checked while parsing, as Caddy's macro expanders do, and
 * a matcher whose arguments are constants is provisioned once at load.
 * cel-go's extensions that Caddy enables are in ext_*.ts; the library's
 * untyped macro hooks are named in ext_types.ts.
 */
import { type ASTNode, Environment } from '@marcbachmann/cel-js';
import { toGoString } from '../../go/fmt.js';
import { compileRegexp, type CompiledRegexp } from '../../go/regexp.js';
import { HandlerError, type Ctx, type Matcher } from '../../core/types.js';
import { argError, constString } from './ast.js';
import { registerLists } from './ext_lists.js';
import { registerMath } from './ext_math.js';
import { registerStd } from './ext_std.js';
import { registerStrings } from './ext_strings.js';
import { captureUintClass, type Checker, type Macro, type MacroInput } from './ext_types.js';
import { celFunctions, type ArgValue, type CelFunction } from './functions.js';

/** The name of the request variable (Caddy's CELRequestVarName). */
export const REQ = 'req';

/**
 * What a matcher function provisions with: set around parsing one expression
 * (parsing is synchronous), since the library's macros are registered once.
 */
export interface BuildContext {
  /** The expression matcher's name: regexp functions called without one use it. */
  name: string;
  /** Provisions one matcher module from its JSON (decode + provision, load-time errors thrown). */
  provision(module: string, config: unknown): Matcher;
}

let building: BuildContext | null = null;

/** Parses `expr` with `build` as the provisioning context of its matcher functions. */
export function withBuild<T>(build: BuildContext, parse: () => T): T {
  const outer = building;
  building = build;
  try {
    return parse();
  } finally {
    building = outer;
  }
}

/** The constant value of a checked argument (string, list or map literal), or null when it reads the request. */
function constArg(n: ASTNode): ArgValue | null {
  if (n.op === 'list') {
    const out: string[] = [];
    for (const e of n.args) {
      const s = constString(e);
      if (s === null) return null;
      out.push(s);
    }
    return out;
  }
  if (n.op === 'map') {
    const out = new Map<string, string[]>();
    for (const [k, v] of n.args) {
      const key = constString(k);
      const val = key === null ? null : constArg(v);
      if (val === null || val instanceof Map) return null;
      out.set(key!, typeof val === 'string' ? [val] : val);
    }
    return out;
  }
  return constString(n);
}

/** An argument evaluated for one request, in the shape of constArg's result. */
function runtimeArg(v: unknown): ArgValue {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(runtimeString);
  const entries = v instanceof Map ? [...v.entries()] : v !== null && typeof v === 'object' ? Object.entries(v) : null;
  if (entries === null) throw new Error(`unsupported matcher input: ${toGoString(v)}`);
  const out = new Map<string, string[]>();
  for (const [k, val] of entries) out.set(runtimeString(k), typeof val === 'string' ? [val] : Array.isArray(val) ? val.map(runtimeString) : [runtimeString(val)]);
  return out;
}

function runtimeString(v: unknown): string {
  if (typeof v !== 'string') throw new Error(`unsupported value type in matcher input: ${v === null ? 'null' : typeof v}`);
  return v;
}

/** Matchers provisioned from arguments known only per request, by argument text; bounded. */
const DYNAMIC_CACHE_MAX = 256;

/** One call of a matcher function: provisioned now when its arguments are constants, else per distinct argument value. */
function matcherMacro(fn: CelFunction, input: MacroInput): Macro {
  const build = building;
  if (build === null) throw new Error('CEL matcher functions are only available inside the expression matcher');
  const args = fn.expand(input.args, input.ast);
  const consts = args.map(constArg);
  const bool = (c: Checker) => c.getType('bool');
  if (consts.every((c) => c !== null)) {
    const [module, config] = fn.config(consts as ArgValue[], build.name);
    const match = build.provision(module, config);
    return {
      async: false,
      typeCheck: bool,
      evaluate: (_ev, _m, scope) => match(scope.getValue(REQ) as Ctx),
    };
  }
  const cache = new Map<string, Matcher>();
  return {
    async: false,
    typeCheck(checker, _m, scope) {
      for (const a of args) checker.check(a, scope);
      return bool(checker);
    },
    evaluate(ev, _m, scope) {
      const values = args.map((a) => runtimeArg(ev.run(a, scope)));
      const key = JSON.stringify(values, (_k, v: unknown) => (v instanceof Map ? [...v.entries()] : v));
      let match = cache.get(key);
      if (match === undefined) {
        const [module, config] = fn.config(values, build.name);
        match = build.provision(module, config);
        if (cache.size >= DYNAMIC_CACHE_MAX) cache.clear();
        cache.set(key, match);
      }
      return match(scope.getValue(REQ) as Ctx);
    },
  };
}

/** A replacer value as CEL sees it (cel-go's default type adapter): Go ints are CEL ints. */
export function toCel(v: unknown): unknown {
  switch (typeof v) {
    case 'undefined':
      return null;
    case 'string':
    case 'boolean':
    case 'bigint':
      return v;
    case 'number':
      return Number.isInteger(v) ? BigInt(v) : v;
  }
  if (v === null || v instanceof Date || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(toCel);
  if (v instanceof HandlerError) throw v;
  if (v instanceof Error) throw new HandlerError(500, v.message, v);
  return toGoString(v);
}

/** ph(req, key): the replacer's value for key on this request (Caddy's caddyPlaceholderFunc). */
function placeholderMacro({ args }: MacroInput): Macro {
  const [reqArg, keyArg] = args as [ASTNode, ASTNode];
  if (reqArg.op !== 'id' || reqArg.args !== REQ) throw argError(`ph: the first argument must be ${REQ}`, reqArg);
  const key = constString(keyArg);
  const dyn = (c: Checker) => c.getType('dyn');
  if (key !== null) {
    return { async: false, typeCheck: dyn, evaluate: (_ev, _m, scope) => toCel((scope.getValue(REQ) as Ctx).repl.get(key)) };
  }
  return {
    async: false,
    typeCheck(checker, _m, scope) {
      checker.check(keyArg, scope);
      return dyn(checker);
    },
    evaluate(ev, _m, scope) {
      const k = ev.run(keyArg, scope);
      if (typeof k !== 'string') throw new Error(`invalid placeholder variable name of type '${typeof k}' to ph(request, placeholderVarName)`);
      return toCel((scope.getValue(REQ) as Ctx).repl.get(k));
    },
  };
}

/**
 * `s.matches(re)` with RE2 (cel-go's engine): the library's own overload
 * builds a V8 RegExp per call, which backtracks exponentially on patterns
 * like `^(a+)+$` against a request's path. empty_calls.ts renames the
 * method to this one before parsing (same length: positions stay). Patterns are nearly always constants:
 * a small cache compiles each once.
 */
export const RE2_MATCHES = 'Matches';
const re2Cache = new Map<string, CompiledRegexp>();
function re2Matches(s: string, pattern: string): boolean {
  let re = re2Cache.get(pattern);
  if (re === undefined) {
    re = compileRegexp(pattern);
    if (re2Cache.size >= 256) re2Cache.clear();
    re2Cache.set(pattern, re);
  }
  return re.test(s);
}

/** The library's limit on call arguments, so every arity a call can have gets an overload. */
const MAX_ARGS = 32;

function createEnvironment(): Environment {
  // cel-go accepts mixed list and map literals (Caddy's `{'a': 'x', 'b': ['y', 'z']}`).
  const env = new Environment({ homogeneousAggregateLiterals: false, limits: { maxCallArguments: MAX_ARGS } }).registerVariable(REQ, 'dyn');
  env.registerFunction('ph(ast, ast): dyn', placeholderMacro);
  env.registerFunction(`string.${RE2_MATCHES}(string): bool`, re2Matches);
  // cel-go's extensions that Caddy's environment enables (ext.Strings, ext.Lists, ext.Math; ext.Bindings' cel.bind is the library's own).
  registerStrings(env);
  registerLists(env);
  registerMath(env, captureUintClass(env));
  registerStd(env, re2Matches);
  for (const fn of celFunctions) {
    // Zero-argument calls never reach a macro; empty_calls.ts settles them before parsing.
    for (let n = 1; n <= MAX_ARGS; n++) {
      if (!fn.arities(n)) continue;
      const sig = `${fn.name}(${Array.from({ length: n }, () => 'ast').join(', ')}): bool`;
      env.registerFunction(sig, (input: MacroInput) => matcherMacro(fn, input));
    }
  }
  return env;
}

let shared: Environment | null = null;

/** The environment, built on first use (startup pays nothing without an expression matcher). */
export function celEnvironment(): Environment {
  return (shared ??= createEnvironment());
}

