/**
 * handle_path <path_matcher> {
 *     <directives...>
 * }
 *
 * Like `handle`, but strips the matched path prefix first (`/api/*` strips
 * `/api`), and sorts alongside `handle` blocks.
 */
import { directive } from '../../adapt/registry.js';
import type { RewriteConfig } from './config.js';

export const handlePathDirective = directive('handle_path', (h) => {
  h.next(); // directive name
  if (!h.nextArg()) throw h.argErr();
  const path = h.val();
  if (!path.startsWith('/')) throw h.err(`path matcher must begin with '/', got ${path}`);

  // strip only up to the last slash the user wrote (`/api/*` strips `/api`)
  let strip = path;
  if (path.endsWith('/*')) strip = path.slice(0, -2);
  else if (path.endsWith('*')) strip = path.slice(0, -1);

  // the subroute parser expects the cursor before the path token
  h.reset();
  h.next();
  const subroute = h.parseSegmentAsSubroute();
  const stripPrefix: RewriteConfig = { handler: 'rewrite', strip_path_prefix: strip };
  const routes = [{ handle: [stripPrefix] }, ...((subroute.routes as unknown[] | undefined) ?? [])];
  return h.newRoute({ path: [path] }, { ...subroute, routes });
});
