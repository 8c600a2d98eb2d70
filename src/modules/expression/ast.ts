/**
 * Reading the library's AST where Caddy's macro expanders read cel-go's:
 * which arguments are string expressions, which are constants.
 */
import { type ASTNode, ParseError } from '@marcbachmann/cel-js';

/** A matcher argument that is wrong, reported at its position as Caddy's expanders do. */
export function argError(message: string, node: ASTNode): ParseError {
  return new ParseError({ code: 'matcher_argument', message, node });
}

/** Caddy's isCELStringExpr: a string literal, a placeholder, or a `+` of those. */
export function isStringExpr(n: ASTNode): boolean {
  if (n.op === 'value') return typeof n.args === 'string';
  if (n.op === 'call') return n.args[0] === 'ph';
  if (n.op === '+') return isStringExpr(n.args[0]) && isStringExpr(n.args[1]);
  return false;
}

/** A string expression's value when it needs no request (literals and their concatenation). */
export function constString(n: ASTNode): string | null {
  if (n.op === 'value') return typeof n.args === 'string' ? n.args : null;
  if (n.op === '+') {
    const a = constString(n.args[0]);
    const b = a === null ? null : constString(n.args[1]);
    return b === null ? null : a! + b;
  }
  return null;
}

