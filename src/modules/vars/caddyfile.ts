/**
 * vars [<matcher>] [<name> <value>] {
 *     <name> <value>
 *     ...
 * }
 *
 * Unquoted values keep their scalar type (numbers, booleans), as Caddy's
 * ScalarVal does; quoted values stay strings.
 */
import { sortedKeys } from '../../go/json.js';
import { handlerDirective } from '../../adapt/registry.js';
import type { JSONValue } from '../../core/json_checks.js';
import type { VarsConfig } from './config.js';

export const varsDirective = handlerDirective('vars', (h): VarsConfig => {
  const vars: Record<string, JSONValue> = {};
  const nextVar = (headerLine: boolean): void => {
    if (headerLine && !h.nextArg()) return; // the first line's pair is optional
    const name = h.val();
    if (!h.nextArg()) throw h.argErr();
    vars[name] = h.scalarVal();
    if (h.nextArg()) throw h.argErr();
  };
  h.next(); // directive name
  nextVar(true);
  while (h.nextBlock(0)) nextVar(false);
  return { handler: 'vars', ...sortedKeys(vars) };
});


