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
import { toGoString } from '../../go/fmt.js';
import { handlerModule } from '../../core/registry.js';
import { compileTemplate, type Replacer, type Template } from '../../core/replacer.js';
import { compileExpansion, compileGoRegexp, expandFirst, type GoRegexp } from '../../go/replace.js';

/** One mapping as seen by one destination. */
interface Entry {
  input: string;
  re: GoRegexp | null;
  /** Exact inputs: the output with placeholders; regexps: the expansion template (no placeholders, as in Caddy). */
  output: Template | ReturnType<typeof compileExpansion>;
}

import { isObject as isObj } from '../../go/json.js';

export const mapHandler = handlerModule('map', (config) => {
  const source = typeof config.source === 'string' ? config.source : '';
  const destsRaw = config.destinations ?? [];
  if (!Array.isArray(destsRaw) || destsRaw.some((d) => typeof d !== 'string')) throw new Error('destinations: must be a list of placeholders');
  const dests = (destsRaw as string[]).map((d) => {
    if (d.split('{').length - 1 !== 1 || !d.startsWith('{')) throw new Error('destination must be a placeholder and only a placeholder');
    return d.replace(/^[{}]+|[{}]+$/g, '');
  });
  const defaultsRaw = config.defaults ?? [];
  if (!Array.isArray(defaultsRaw)) throw new Error('defaults: must be a list');
  const defaults = defaultsRaw.map((d: unknown) => (d === null ? null : toGoString(d)));
  if (defaults.length > 0 && defaults.length !== dests.length) throw new Error(`${dests.length} destinations != ${defaults.length} defaults`);

  const mappings = config.mappings ?? [];
  if (!Array.isArray(mappings)) throw new Error('mappings: must be a list');
  const seen = new Map<string, number>();
  const perDest: Entry[][] = dests.map(() => []);
  mappings.forEach((m: unknown, i: number) => {
    if (!isObj(m)) throw new Error(`mapping ${i}: must be an object`);
    const input = typeof m.input === 'string' ? m.input : '';
    const inputRe = typeof m.input_regexp === 'string' ? m.input_regexp : '';
    if (input !== '' && inputRe !== '') throw new Error(`mapping ${i} has both input and input_regexp fields specified, which is confusing`);
    const key = inputRe !== '' ? inputRe : input;
    const prev = seen.get(key);
    if (prev !== undefined) throw new Error(`mapping ${i} has a duplicate input '${key}' previously used with mapping ${prev}`);
    seen.set(key, i);
    const outputs = Array.isArray(m.outputs) ? m.outputs : [];
    for (const out of outputs) {
      for (const dest of dests) {
        if (toGoString(out).includes(dest) || input.includes(dest)) {
          throw new Error(`mapping ${i} requires value of {${dest}} to define value of {${dest}}: infinite recursion`);
        }
      }
    }
    if (outputs.length !== dests.length) throw new Error(`mapping ${i} has ${outputs.length} outputs but there are ${dests.length} destinations defined`);
    let re: GoRegexp | null = null;
    if (inputRe !== '') {
      try {
        re = compileGoRegexp(inputRe);
      } catch (err) {
        throw new Error(`compiling regexp for mapping ${i}: ${(err as Error).message}`);
      }
    }
    outputs.forEach((out: unknown, d: number) => {
      if (out === null || out === undefined) return; // nil outputs are skipped for that destination
      const text = toGoString(out);
      perDest[d]!.push({ input, re, output: re !== null ? compileExpansion(text, re) : compileTemplate(text, 'empty') });
    });
  });

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
});
