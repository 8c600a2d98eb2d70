/**
 * map [<matcher>] <source> <destinations...> {
 *     [~]<input> <outputs...>
 *     default    <defaults...>
 * }
 *
 * `~` makes the input a regular expression. Outputs keep their scalar type
 * when unquoted (`true`, `3`, `1.5`), `-` means "no value" (null), and
 * missing outputs are filled with null; missing defaults with "".
 */
import { handlerDirective } from '../../adapt/registry.js';
import { wasReplacedPlaceholderShorthand } from '../../adapt/shorthands.js';
import type { JSONValue } from '../../core/json_checks.js';
import type { MapConfig, MappingConfig } from './config.js';

export const mapDirective = handlerDirective('map', (h): MapConfig => {
  h.next(); // directive name
  if (!h.nextArg()) throw h.argErr();
  const source = h.val();
  const destinations = h.remainingArgs();
  if (destinations.length === 0) throw h.err('missing destination argument(s)');
  for (const dest of destinations) {
    const short = wasReplacedPlaceholderShorthand(dest);
    if (short) throw h.err(`destination ${short} conflicts with a Caddy placeholder shorthand`);
  }

  let defaults: string[] | undefined;
  const mappings: MappingConfig[] = [];
  while (h.nextBlock(0)) {
    if (h.val() === 'default') {
      if (defaults?.length) throw h.err('defaults already defined');
      defaults = h.remainingArgs();
      while (defaults.length < destinations.length) defaults.push('');
      continue;
    }
    const input = h.val();
    const outputs: JSONValue[] = [];
    while (h.nextArg()) {
      const v = h.scalarVal();
      outputs.push(v === '-' ? null : v);
    }
    if (outputs.length > destinations.length) throw h.err('too many outputs');
    while (outputs.length < destinations.length) outputs.push(null);
    mappings.push(input.startsWith('~') ? { input_regexp: input.slice(1), outputs } : { input, outputs });
  }

  const out: MapConfig = { handler: 'map', source, destinations };
  if (mappings.length) out.mappings = mappings;
  if (defaults?.length) out.defaults = defaults;
  return out;
});
