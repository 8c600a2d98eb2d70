/**
 * try_files <files...> {
 *     policy first_exist|first_exist_fallback|smallest_size|largest_size|most_recently_modified
 * }
 *
 * Shorthand for a `file` matcher plus a rewrite to the file it found. A file
 * with a query string (`index.php?{query}`) gets a route of its own, since its
 * rewrite differs; the routes are grouped so only the first match rewrites.
 * `=404` style entries are kept as written: the file matcher treats them as
 * a status fallback at request time.
 */
import { directive } from '../../adapt/registry.js';
import type { ConfigValue } from '../../adapt/types.js';
import type { FileMatcherConfig } from './config.js';

const policies = ['first_exist', 'first_exist_fallback', 'smallest_size', 'largest_size', 'most_recently_modified'];

export const tryFilesDirective = directive('try_files', (h) => {
  if (!h.next()) throw h.argErr();
  const tryFiles = h.remainingArgs();
  if (tryFiles.length === 0) throw h.argErr();

  let policy = '';
  while (h.nextBlock(0)) {
    switch (h.val()) {
      case 'policy':
        if (policy !== '') throw h.err('try policy already configured');
        if (!h.nextArg()) throw h.argErr();
        policy = h.val();
        if (!policies.includes(policy)) throw h.err(`unrecognized try policy: ${policy}`);
        break;
      // Caddy ignores other subdirectives here.
    }
  }

  const makeRoute = (files: string[], query: string): ConfigValue[] => {
    const file: FileMatcherConfig = { try_files: files };
    if (policy) file.try_policy = policy;
    return h.newRoute({ file }, { handler: 'rewrite', uri: `{http.matchers.file.relative}${query}` });
  };

  const result: ConfigValue[] = [];
  let pending: string[] = [];
  for (const item of tryFiles) {
    const q = item.indexOf('?');
    if (q >= 0) {
      if (pending.length) {
        result.push(...makeRoute(pending, ''));
        pending = [];
      }
      result.push(...makeRoute([item.slice(0, q)], item.slice(q)));
      continue;
    }
    pending.push(item);
  }
  if (pending.length) result.push(...makeRoute(pending, ''));
  h.groupRoutes(result);
  return result;
});
