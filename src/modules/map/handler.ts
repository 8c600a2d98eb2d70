/**
 * map (Caddy's maphandler.Handler; the `map` directive): compares a source
 * placeholder with each mapping's input (exact, or a regexp whose captures
 * the output may use as `${1}` / `${name}`), and sets each destination
 * placeholder to the first non-null output for it, or its default.
 *
 * Caddy computes a destination when it is first read; tsweb computes all of
 * them when the handler runs (same values unless the source changes later
 * in the chain). Exact inputs are looked up in a Map; regexps are compiled
 * once.
 */
import { handlerModule } from '../../core/registry.js';
import { compileTemplate, type Replacer, type Template } from '../../core/replacer.js';
import { compileExpansion, expandFirst, type GoRegexp } from '../../go/replace.js';
import type { Handler } from '../../core/types.js';
import { decodeMap, type MapHandler } from './config.js';

/** One mapping as seen by one destination. */
interface Entry {
  input: string;
  re: GoRegexp | null;
  /** Exact inputs: the output with placeholders; regexps: the expansion template (no placeholders, as in Caddy). */
  output: Template | ReturnType<typeof compileExpansion>;
}

function provision(config: MapHandler): Handler {
  const { source, destinations: dests, defaults } = config;
  const perDest: Entry[][] = dests.map(() => []);
  for (const { input, re, outputs } of config.mappings) {
    outputs.forEach((text, d) => {
      if (text === null) return; // nil outputs are skipped for that destination
      perDest[d]!.push({ input, re, output: re !== null ? compileExpansion(text, re) : compileTemplate(text, 'empty') });
    });
  }

  // Destinations whose mappings are all exact get a Map (first mapping wins).
  const lookups = perDest.map((entries) => {
    if (entries.some((e) => e.re !== null)) return null;
    const m = new Map<string, Entry>();
    for (const e of entries) if (!m.has(e.input)) m.set(e.input, e);
    return m;
  });
  const src = compileTemplate(source, 'empty');

  const resolve = (d: number, input: string, repl: Replacer): unknown => {
    const lookup = lookups[d];
    if (lookup !== null && lookup !== undefined) {
      const e = lookup.get(input);
      if (e !== undefined) return (e.output as Template)(repl);
    } else {
      for (const e of perDest[d]!) {
        if (e.re !== null) {
          const v = expandFirst(e.re, e.output as ReturnType<typeof compileExpansion>, input);
          if (v !== null) return v;
        } else if (input === e.input) {
          return (e.output as Template)(repl);
        }
      }
    }
    // No match (or only null outputs): the default, else a known-but-empty value.
    return d < defaults.length ? defaults[d] : null;
  };

  return (ctx, next) => {
    const { repl } = ctx;
    const input = src(repl);
    for (let d = 0; d < dests.length; d++) repl.set(dests[d]!, resolve(d, input, repl));
    return next();
  };
}

export const mapHandler = handlerModule('map', { decode: decodeMap, provision });
