/**
 * One expression compiled at load: placeholders rewritten, parsed (matcher
 * functions provisioned), type-checked (format calls too, as cel-go's
 * validator does), and required to be a bool, with
 * cel-go's error shape ("ERROR: <input>:1:6: ..." and the line with a
 * caret) after Caddy's "compiling CEL program: ".
 */
import { type ParseResult, ParseError, TypeError as CelTypeError } from '@marcbachmann/cel-js';
import { celEnvironment, type BuildContext, withBuild } from './cel.js';
import { publicNames, rewriteEmptyCalls } from './empty_calls.js';
import { validateFormatCalls } from './ext_format.js';
import { celFunctionNames } from './functions.js';
import { celIssue } from './issue.js';
import { expandPlaceholders } from './placeholders.js';

/** Evaluates the expression with `{req: ctx}`; throws on evaluation errors. */
export type Program = ParseResult;

/** The library's words where cel-go's macros have their own. */
const celGoWords = new Map([['invalid variable argument', 'cel.bind() variable names must be simple identifiers']]);

function issueOf(err: ParseError | CelTypeError, source: string): string {
  const offset = err.range?.start ?? err.node?.pos ?? 0;
  const macroWords = celGoWords.get(err.summary);
  // The library's syntax errors read "Unexpected token: AND"; cel-go's start "Syntax error:". Matcher-argument errors are Caddy's own words.
  const message = macroWords ?? (err instanceof ParseError && err.code !== 'matcher_argument' ? `Syntax error: ${err.summary}` : err.summary);
  return publicNames(celIssue(source, offset, message));
}

export function compileExpression(expr: string, build: BuildContext): Program {
  const expanded = expandPlaceholders(expr);
  let source: string;
  let program: ParseResult;
  try {
    source = rewriteEmptyCalls(expanded, celFunctionNames);
  } catch (err) {
    throw new Error(`compiling CEL program: ${(err as Error).message}`);
  }
  try {
    program = withBuild(build, () => celEnvironment().parse(source));
  } catch (err) {
    if (err instanceof ParseError) throw new Error(`compiling CEL program: ${issueOf(err, source)}`);
    throw new Error(`compiling CEL program: ${err instanceof Error ? err.message : String(err)}`);
  }
  const checked = program.check();
  if (!checked.valid) {
    const err = checked.error!;
    throw new Error(`compiling CEL program: ${err instanceof ParseError || err instanceof CelTypeError ? issueOf(err, source) : String(err)}`);
  }
  try {
    validateFormatCalls(program.ast, source);
  } catch (err) {
    if (err instanceof ParseError) throw new Error(`compiling CEL program: ${issueOf(err, source)}`);
    throw err;
  }
  if (checked.type !== 'bool') throw new Error(`CEL request matcher expects return type of bool, not ${checked.type}`);
  return program;
}
