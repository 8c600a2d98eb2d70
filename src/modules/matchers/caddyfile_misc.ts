/**
 * expression (CEL; evaluated by src/modules/expression), file, url_pattern and not.
 */
import type { Dispenser } from '../../caddyfile/dispenser.js';
import { parseNestedMatcherSet } from '../../adapt/matchers/sets.js';
import { matcherName, matcherParser } from '../../adapt/matchers/registry.js';
import type { MatchExpressionConfig, MatchNotConfig } from './config.js';

/**
 * expression <cel...>
 *
 * Several arguments are joined as written (quotes kept, since they belong to
 * the CEL); a single argument is taken unquoted and named after the matcher
 * so `{re.*}` placeholders of regexp functions inside it get a name.
 */
export const expressionSyntax = matcherParser('expression', (d): MatchExpressionConfig => {
  d.next();
  if (d.countRemainingArgs() > 1) return d.remainingArgsRaw().join(' ');
  if (!d.nextArg()) throw d.argErr();
  const expr = d.val();
  const name = matcherName(d);
  return name ? { expr, name } : expr;
});

/** file [<files...>] { root; try_files; try_policy; split_path; fs } */
export const fileSyntax = matcherParser('file', (d) => {
  let fs: string | undefined;
  let root: string | undefined;
  const tryFiles: string[] = [];
  let tryPolicy: string | undefined;
  let splitPath: string[] | undefined;
  while (d.next()) {
    tryFiles.push(...d.remainingArgs());
    while (d.nextBlock(0)) {
      switch (d.val()) {
        case 'fs':
          if (!d.nextArg()) throw d.argErr();
          fs = d.val();
          break;
        case 'root':
          if (!d.nextArg()) throw d.argErr();
          root = d.val();
          break;
        case 'try_files':
          tryFiles.push(...d.remainingArgs());
          if (tryFiles.length === 0) throw d.argErr();
          break;
        case 'try_policy':
          if (!d.nextArg()) throw d.argErr();
          tryPolicy = d.val();
          break;
        case 'split_path':
          splitPath = d.remainingArgs();
          if (splitPath.length === 0) throw d.argErr();
          break;
        default:
          throw d.err(`unrecognized subdirective: ${d.val()}`);
      }
    }
  }
  const m: Record<string, unknown> = {};
  if (fs) m['fs'] = fs;
  if (root) m['root'] = root;
  if (tryFiles.length) m['try_files'] = tryFiles;
  if (tryPolicy) m['try_policy'] = tryPolicy;
  if (splitPath?.length) m['split_path'] = splitPath;
  return m;
});

/** url_pattern <pattern> { base_url <url>; ignore_case } */
export const urlPatternSyntax = matcherParser('url_pattern', (d) => {
  let pattern = '';
  let baseURL: string | undefined;
  let ignoreCase = false;
  while (d.next()) {
    if (pattern !== '') throw d.err('url_pattern matcher can only be used once per named matcher');
    const a = d.args(1);
    if (!a) throw d.argErr();
    pattern = a[0]!;
    if (d.nextArg()) throw d.argErr();
    while (d.nextBlock(0)) {
      switch (d.val()) {
        case 'base_url':
          if (!d.nextArg()) throw d.argErr();
          baseURL = d.val();
          if (d.nextArg()) throw d.argErr();
          break;
        case 'ignore_case':
          if (d.nextArg()) throw d.argErr();
          ignoreCase = true;
          break;
        default:
          throw d.err(`unrecognized subdirective: ${d.val()}`);
      }
    }
  }
  const m: Record<string, unknown> = { pattern };
  if (baseURL !== undefined) m['base_url'] = baseURL;
  if (ignoreCase) m['ignore_case'] = true;
  return m;
});

/** not <matcher> | not { <matchers...> } — each `not` line is one negated set. */
export const notSyntax = matcherParser('not', (d: Dispenser): MatchNotConfig => {
  const sets: MatchNotConfig = [];
  while (d.next()) sets.push(parseNestedMatcherSet(d));
  return sets;
});
