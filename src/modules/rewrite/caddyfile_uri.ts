/**
 * uri [<matcher>] strip_prefix <target>
 * uri [<matcher>] strip_suffix <target>
 * uri [<matcher>] replace      <target> <replacement> [<limit>]
 * uri [<matcher>] path_regexp  <target> <replacement>
 * uri [<matcher>] query        [-|+]<param> [<value>] | <param>><new_name> | <param> <search> <replace>
 * uri [<matcher>] query {
 *     <one query operation per line>
 * }
 */
import type { Helper } from '../../adapt/helper.js';
import { handlerDirective } from '../../adapt/registry.js';
import { atoi } from '../../go/units.js';
import type { QueryOpsConfig, RewriteConfig, SubstrReplacerConfig } from './config.js';

export const uriDirective = handlerDirective('uri', (h): RewriteConfig => {
  h.next(); // directive name
  const args = h.remainingArgs();
  if (args.length < 1) throw h.argErr();
  const out: RewriteConfig = { handler: 'rewrite' };

  switch (args[0]) {
    case 'strip_prefix':
      if (args.length !== 2) throw h.argErr();
      out.strip_path_prefix = args[1];
      break;
    case 'strip_suffix':
      if (args.length !== 2) throw h.argErr();
      out.strip_path_suffix = args[1];
      break;
    case 'replace': {
      if (args.length !== 3 && args.length !== 4) throw h.argErr();
      // Go's omitempty: an empty find or replacement is left out.
      const sub: SubstrReplacerConfig = {};
      if (args[1]) sub.find = args[1];
      if (args[2]) sub.replace = args[2];
      if (args.length === 4) {
        let limit: number;
        try {
          limit = atoi(args[3]!);
        } catch (e) {
          throw h.err(`limit must be an integer; invalid: ${(e as Error).message}`);
        }
        if (limit) sub.limit = limit;
      }
      out.uri_substring = [sub];
      break;
    }
    case 'path_regexp':
      if (args.length !== 3) throw h.argErr();
      out.path_regexp = [args[2] ? { find: args[1], replace: args[2] } : { find: args[1] }];
      break;
    case 'query': {
      if (args.length > 4) throw h.argErr();
      const q: QueryOpsConfig = {};
      const hasArgs = args.length > 1;
      if (hasArgs) applyQueryOp(h, q, args.slice(1));
      while (h.nextBlock(0)) {
        if (hasArgs) throw h.err('Cannot specify uri query rewrites in both argument and block');
        applyQueryOp(h, q, [h.val(), ...h.remainingArgs()]);
      }
      out.query = orderQueryOps(q);
      break;
    }
    default:
      throw h.err(`unrecognized URI manipulation '${args[0]}'`);
  }
  return out;
});

function applyQueryOp(h: Helper, q: QueryOpsConfig, args: string[]): void {
  const key = args[0]!;
  if (key.startsWith('-')) {
    if (args.length !== 1) throw h.argErr();
    (q.delete ??= []).push(key.replace(/^-+/, ''));
  } else if (key.startsWith('+')) {
    if (args.length !== 2) throw h.argErr();
    (q.add ??= []).push({ key: key.replace(/^\++/, ''), val: args[1]! });
  } else if (key.includes('>')) {
    if (args.length !== 1) throw h.argErr();
    const [from, to] = key.split('>');
    (q.rename ??= []).push({ key: from!, val: to! });
  } else if (args.length === 3) {
    (q.replace ??= []).push({ key, search_regexp: args[1]!, replace: args[2]! });
  } else {
    if (args.length !== 2) throw h.argErr();
    (q.set ??= []).push({ key, val: args[1]! });
  }
}

/** Key order of Caddy's queryOps struct. */
function orderQueryOps(q: QueryOpsConfig): QueryOpsConfig {
  const { rename, set, add, replace, delete: del } = q;
  const out: QueryOpsConfig = {};
  if (rename) out.rename = rename;
  if (set) out.set = set;
  if (add) out.add = add;
  if (replace) out.replace = replace;
  if (del) out.delete = del;
  return out;
}
