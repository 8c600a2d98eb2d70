/**
 * cel-go's string.format (ext.Strings version 4+, formatting_v2.go):
 * %s %d %f %e %b %x %X %o and %%, precision as `%.3f` (at most 100), with
 * cel-go's error texts.
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import { argError } from './ast.js';
import { type CelType, isUint, makeUint, numericKind } from './ext_types.js';
import { isDuration } from './ext_values.js';

const MAX_PRECISION = 100;

/** The name cel-go gives a value's type in format errors. */
function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null_type';
  const n = numericKind(v);
  if (n !== null) return n;
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof Date) return 'google.protobuf.Timestamp';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'map';
  if (isDuration(v)) return 'google.protobuf.Duration';
  if (isTypeValue(v)) return 'type';
  return 'map';
}

/** The library's type values (`type(x)`, `string`) tag themselves "Type<name>". */
function isTypeValue(v: unknown): v is { name: string } {
  return v !== null && typeof v === 'object' && Object.prototype.toString.call(v).startsWith('[object Type<');
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64): shortest digits, never an exponent. */
function goFloat(x: number): string {
  const sp = special(x);
  if (sp !== null) return sp;
  const s = String(Math.abs(x));
  const e = s.indexOf('e');
  if (e < 0) return String(x);
  const mantissa = s.slice(0, e);
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const point = (dot < 0 ? mantissa.length : dot) + Number(s.slice(e + 1));
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return (x < 0 ? '-' : '') + out;
}

function pad2(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Go's time.RFC3339Nano in UTC (trailing zeros of the fraction dropped). */
function rfc3339(d: Date): string {
  const ms = d.getUTCMilliseconds();
  const frac = ms === 0 ? '' : '.' + pad2(ms, 3).replace(/0+$/, '');
  return `${pad2(d.getUTCFullYear(), 4)}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}${frac}Z`;
}

/** The %s clause (cel-go's appendingFormatterV2). */
function formatString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'number') return goFloat(v);
  if (isUint(v)) return String(v.valueOf());
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v instanceof Date) return rfc3339(v);
  if (isDuration(v)) return goFloat(Number(v.seconds) + v.nanos / 1e9) + 's';
  if (Array.isArray(v)) return '[' + v.map(formatString).join(', ') + ']';
  if (isTypeValue(v)) return v.name;
  if (typeof v === 'object') {
    const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
    const parts = entries.map(([k, val]) => [formatString(k), formatString(val)] as const);
    parts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return '{' + parts.map(([k, val]) => `${k}: ${val}`).join(', ') + '}';
  }
  throw new Error(`string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given ${typeName(v)}`);
}

function special(x: number): string | null {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return null;
}

function asDouble(v: unknown, clause: string): number {
  const k = numericKind(v);
  if (k === null) throw new Error(`${clause} clause can only be used on ints, uints, and doubles, was given ${typeName(v)}`);
  return k === 'uint' ? Number((v as { valueOf(): bigint }).valueOf()) : Number(v);
}

function asInteger(v: unknown, message: string): bigint | null {
  if (typeof v === 'bigint') return v;
  if (isUint(v)) return v.valueOf();
  if (message === '') return null;
  throw new Error(`${message}, was given ${typeName(v)}`);
}

/** Stands for a value whose type is only known per request (dyn): every clause accepts it while checking. */
const ANY = Symbol('dyn');

function clause(verb: string, precision: number, v: unknown): string {
  if (v === ANY) return '';
  switch (verb) {
    case 's':
      return formatString(v);
    case 'd': {
      const i = asInteger(v, '');
      if (i !== null) return String(i);
      if (typeof v === 'number') return goFloat(v);
      throw new Error(`decimal clause can only be used on ints, uints, and doubles, was given ${typeName(v)}`);
    }
    case 'f': {
      const x = asDouble(v, 'fixed-point');
      return special(x) ?? x.toFixed(precision);
    }
    case 'e': {
      const x = asDouble(v, 'scientific');
      // Go writes at least two exponent digits.
      return special(x) ?? x.toExponential(precision).replace(/e([+-])(\d)$/, 'e$10$2');
    }
    case 'b':
      if (typeof v === 'boolean') return v ? '1' : '0';
      return asInteger(v, 'only ints, uints, and bools can be formatted as binary')!.toString(2);
    case 'x':
    case 'X': {
      let out: string;
      if (typeof v === 'string') out = Buffer.from(v, 'utf8').toString('hex');
      else if (v instanceof Uint8Array) out = Buffer.from(v).toString('hex');
      else out = asInteger(v, 'only ints, uints, bytes, and strings can be formatted as hex')!.toString(16);
      return verb === 'X' ? out.toUpperCase() : out;
    }
    case 'o':
      return asInteger(v, 'octal clause can only be used on ints and uints')!.toString(8);
  }
  throw new Error(`unrecognized formatting clause "${verb}"`);
}

/** A failure while formatting, with the index of the argument at fault (-1: the call). */
class FormatError extends Error {
  constructor(
    message: string,
    readonly argIndex: number,
  ) {
    super(message);
  }
}

export function formatCel(format: string, args: unknown[]): string {
  return runFormat(format, args).out;
}

function runFormat(format: string, args: unknown[]): { out: string; used: number } {
  let out = '';
  let argIndex = 0;
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    if (format[i + 1] === '%') {
      out += '%';
      i += 2;
      continue;
    }
    if (i + 1 >= format.length) throw new Error('unexpected end of string');
    if (argIndex >= args.length) throw new Error(`index ${argIndex} out of range`);
    let j = i + 1;
    let precision = 6;
    try {
      if (format[j] === '.') {
        j++;
        const start = j;
        while (j < format.length && format[j]! >= '0' && format[j]! <= '9') j++;
        if (j >= format.length) throw new Error('error while parsing precision: could not find end of precision specifier');
        const digits = format.slice(start, j);
        if (digits === '') throw new Error(`error while parsing precision: error while converting precision to integer: strconv.Atoi: parsing "": invalid syntax`);
        precision = Number(digits);
        if (precision > MAX_PRECISION) throw new Error(`error while parsing precision: precision ${precision} exceeds maximum allowed precision ${MAX_PRECISION}`);
      }
      if (!'sdfebxXo'.includes(format[j]!)) throw new Error(`unrecognized formatting clause "${format[j]}"`);
    } catch (err) {
      throw new Error(`could not parse formatting clause: ${(err as Error).message}`);
    }
    try {
      out += clause(format[j]!, precision, args[argIndex]);
    } catch (err) {
      throw new FormatError(`error during formatting: ${(err as Error).message}`, argIndex);
    }
    argIndex++;
    i = j + 1;
  }
  return { out, used: argIndex };
}

/** A value of a checked type, for checking clauses at load (cel-go's stringFormatCheckerV2). */
function sampleOf(t: CelType | undefined): unknown {
  switch (t?.kind === 'list' || t?.kind === 'map' ? t.kind : t?.name) {
    case 'int':
      return 0n;
    case 'uint':
      return makeUint(0n);
    case 'double':
      return 0;
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'bytes':
      return new Uint8Array();
    case 'null':
      return null;
    case 'google.protobuf.Timestamp':
      return new Date(0);
    case 'google.protobuf.Duration':
      return { seconds: 0n, nanos: 0 };
    case 'list':
      return [];
    case 'map':
      return new Map();
  }
  return ANY;
}

function walk(node: unknown, visit: (n: ASTNode) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit);
    return;
  }
  if (node === null || typeof node !== 'object' || typeof (node as ASTNode).op !== 'string') return;
  visit(node as ASTNode);
  walk((node as ASTNode).args, visit);
}

/**
 * cel-go checks a format call at load when the format is a literal and
 * the arguments a list literal (stringFormatValidatorV2): bad clauses,
 * argument types, too few or too many arguments. Run on the checked AST.
 */
export function validateFormatCalls(root: ASTNode, source: string): void {
  walk(root, (n) => {
    if (n.op !== 'rcall' || n.args[0] !== 'format') return;
    const [, receiver, callArgs] = n.args;
    const list = callArgs[0];
    if (receiver.op !== 'value' || typeof receiver.args !== 'string' || callArgs.length !== 1 || list?.op !== 'list') return;
    const elems = list.args;
    const samples = elems.map((e) => sampleOf((e as ASTNode & { checkedType?: CelType }).checkedType));
    // cel-go places a member call at its opening parenthesis.
    const paren = source.lastIndexOf('(', list.pos);
    const call = { ...n, pos: paren, start: paren, end: paren + 1 } as ASTNode;
    let used: number;
    try {
      used = runFormat(receiver.args, samples).used;
    } catch (err) {
      const at = err instanceof FormatError && err.argIndex >= 0 ? elems[err.argIndex]! : call;
      throw argError((err as Error).message, at);
    }
    if (elems.length > used) throw argError(`too many arguments supplied to string.format (expected ${used}, got ${elems.length})`, call);
  });
}
