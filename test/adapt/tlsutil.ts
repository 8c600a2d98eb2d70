// Test helpers for the TLS/logging adapters: run one directive or global
// option over real tokens from the Caddyfile parser.
import { Dispenser } from '../../src/caddyfile/dispenser.js';
import { parseCaddyfile } from '../../src/caddyfile/parser.js';
import { Helper, type AdaptState } from '../../src/adapt/helper.js';
import { directives, globalOptions } from '../../src/adapt/registry.js';
import '../../src/adapt/directives/index.js';
import type { ConfigValue, Warning } from '../../src/adapt/types.js';

export function newState(options: Record<string, unknown> = {}): AdaptState {
  return { options, warnings: [] as Warning[], groupCounter: { n: 0 } };
}

/** Runs every directive of the first site block; returns their config values. */
export function runDirectives(caddyfile: string, state: AdaptState = newState()): ConfigValue[] {
  const blocks = parseCaddyfile('Caddyfile', caddyfile);
  const out: ConfigValue[] = [];
  for (const block of blocks) {
    if (block.keys.length === 0) continue;
    for (const seg of block.segments) {
      const name = seg[0]!.text;
      const parse = directives.get(name);
      if (!parse) throw new Error(`no directive ${name}`);
      out.push(...parse(new Helper([...seg], state, {}, block)));
    }
  }
  return out;
}

/** Evaluates a global options block into the options map (later options see earlier values). */
export function runOptions(caddyfile: string): Record<string, unknown> {
  const [block] = parseCaddyfile('Caddyfile', caddyfile);
  const options: Record<string, unknown> = {};
  for (const seg of block!.segments) {
    const name = seg[0]!.text;
    const parse = globalOptions.get(name);
    if (!parse) throw new Error(`unrecognized global option: ${name}`);
    options[name] = parse(new Dispenser([...seg]), options[name]);
  }
  return options;
}

/** The message of what `fn` throws (fails the test if it does not throw). */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}
