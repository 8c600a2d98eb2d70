/**
 * handle_errors [<status_codes...>] {
 *     <directives...>
 * }
 *
 * Routes that run when a handler returned an error. Codes may be exact
 * (`404 410`) or ranges (`4xx`); they become an expression matcher on
 * {http.error.status_code}.
 */
import { registerDirective } from '../registry.js';
import type { RouteJSON } from '../types.js';

registerDirective('handle_errors', (h) => {
  h.next(); // directive name
  let expression = '';
  const args = h.remainingArgs();
  if (args.length > 0) {
    const codes: string[] = [];
    for (const val of args) {
      if (val.length !== 3) throw h.err(`bad status value '${val}'`);
      if (val.endsWith('xx')) {
        const first = val.slice(0, 1);
        if (!/^\d$/.test(first)) throw h.err(`bad status value '${first}': strconv.Atoi: parsing "${first}": invalid syntax`);
        if (expression) expression += ' || ';
        expression += `{http.error.status_code} >= ${first}00 && {http.error.status_code} <= ${first}99`;
        continue;
      }
      if (!/^[+-]?\d+$/.test(val)) throw h.err(`bad status value '${val}': strconv.Atoi: parsing "${val}": invalid syntax`);
      codes.push(val);
    }
    if (codes.length > 0) {
      if (expression) expression += ' || ';
      expression += `{http.error.status_code} in [${codes.join(', ')}]`;
    }
  }
  // the subroute parser starts from the token before the block
  if (args.length > 0) {
    h.reset();
    h.next();
    h.remainingArgs();
  }
  h.prev();
  const subroute = h.parseSegmentAsSubroute();
  const route: RouteJSON = {};
  if (expression) route.match = [{ expression }];
  route.handle = [subroute];
  return [{ class: 'error_route', value: { routes: [route] } }];
});
