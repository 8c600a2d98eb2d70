/**
 * The `map` handler's JSON (Caddy's maphandler.Handler), as the adapter
 * writes it and the handler reads it. Everything Caddy's Validate and
 * Provision refuse is refused here; regexps compile here.
 */
import { DecodeError, jsonKind, ObjectReader } from '../../core/decode.js';
import type { JSONValue } from '../../core/json_checks.js';
import type { JSONObject } from '../../core/registry.js';
import { toGoString } from '../../go/fmt.js';
import { compileGoRegexp, type GoRegexp } from '../../go/replace.js';

/** maphandler.Mapping: one of input or input_regexp; an output per destination, null for "none". */
export interface MappingConfig {
  input?: string;
  input_regexp?: string;
  outputs?: JSONValue[];
}

export interface MapConfig {
  handler: 'map';
  /** The placeholder whose value is mapped. */
  source?: string;
  /** Placeholders to set, each written as `{name}`. */
  destinations?: string[];
  mappings?: MappingConfig[];
  /** One per destination when present. */
  defaults?: string[];
}

export interface Mapping {
  input: string;
  re: GoRegexp | null;
  /** Per destination, as text (caddy.ToString); null: this mapping sets nothing for it. */
  outputs: Array<string | null>;
}

export interface MapHandler {
  source: string;
  /** Destination names, braces removed. */
  destinations: string[];
  defaults: Array<string | null>;
  mappings: Mapping[];
}

function destinationName(d: string): string {
  if (d.split('{').length - 1 !== 1 || !d.startsWith('{')) throw new Error('destination must be a placeholder and only a placeholder');
  return d.replace(/^[{}]+|[{}]+$/g, '');
}

export function decodeMap(json: JSONObject): MapHandler {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const source = r.str('source', '');
  const dests = r.strList('destinations').map(destinationName);
  const defaults = r.list('defaults', (v, path): string | null => {
    if (v === null || typeof v === 'string') return v;
    throw new DecodeError(path, `json: cannot unmarshal ${jsonKind(v)} into Go value of type string`);
  });
  if (defaults.length > 0 && defaults.length !== dests.length) throw new Error(`${dests.length} destinations != ${defaults.length} defaults`);

  const seen = new Map<string, number>();
  let i = 0;
  const mappings = r.list('mappings', (v, path): Mapping => {
    const n = i++;
    const m = ObjectReader.of(v, path);
    const input = m.str('input', '');
    const inputRe = m.str('input_regexp', '');
    const outputs = m.list('outputs', (o) => o);
    m.done();
    if (input !== '' && inputRe !== '') throw new Error(`mapping ${n} has both input and input_regexp fields specified, which is confusing`);
    const key = inputRe !== '' ? inputRe : input;
    const prev = seen.get(key);
    if (prev !== undefined) throw new Error(`mapping ${n} has a duplicate input '${key}' previously used with mapping ${prev}`);
    seen.set(key, n);
    for (const out of outputs) {
      for (const dest of dests) {
        if (toGoString(out).includes(dest) || input.includes(dest)) {
          throw new Error(`mapping ${n} requires value of {${dest}} to define value of {${dest}}: infinite recursion`);
        }
      }
    }
    if (outputs.length !== dests.length) throw new Error(`mapping ${n} has ${outputs.length} outputs but there are ${dests.length} destinations defined`);
    let re: GoRegexp | null = null;
    if (inputRe !== '') {
      try {
        re = compileGoRegexp(inputRe);
      } catch (err) {
        throw new Error(`compiling regexp for mapping ${n}: ${(err as Error).message}`);
      }
    }
    return { input, re, outputs: outputs.map((o) => (o === null || o === undefined ? null : toGoString(o))) };
  });
  r.done();
  return { source, destinations: dests, defaults, mappings };
}
