import type { Dispenser } from '../caddyfile/dispenser.js';
import type { Helper } from './helper.js';
import type { ConfigValue, HandlerJSON } from './types.js';

/** A directive parser: the helper's dispenser holds exactly this directive's segment. */
export type DirectiveParser = (h: Helper) => ConfigValue[];
/** A handler directive parser: the leading matcher token has already been taken out. */
export type HandlerParser = (h: Helper) => HandlerJSON;
/** A global option parser: gets the option's segment and the value so far (options may repeat). */
export type GlobalOptionParser = (d: Dispenser, existing: unknown) => unknown;

export const directives = new Map<string, DirectiveParser>();
export const globalOptions = new Map<string, GlobalOptionParser>();

/** Registers a directive that may produce any kind of config value. */
export function registerDirective(name: string, parse: DirectiveParser): void {
  if (directives.has(name)) throw new Error(`directive ${name} registered twice`);
  directives.set(name, parse);
}

/**
 * Registers a directive that produces one handler behind an optional matcher
 * token (`*`, `/path`, `@name`) as its first argument.
 */
export function registerHandlerDirective(name: string, parse: HandlerParser): void {
  const def = handlerDirective(name, parse);
  registerDirective(def.name, def.parse);
}

/** A directive as a module declares it; registered by src/modules/define.ts. */
export interface DirectiveDef {
  readonly name: string;
  readonly parse: DirectiveParser;
}

/** A directive producing any kind of config value (routes, error routes, TLS pieces...). */
export function directive(name: string, parse: DirectiveParser): DirectiveDef {
  return { name, parse };
}

/**
 * A directive producing one handler behind an optional matcher token
 * (`*`, `/path`, `@name`) as its first argument.
 */
export function handlerDirective(name: string, parse: HandlerParser): DirectiveDef {
  return {
    name,
    parse: (h) => {
      if (!h.next()) throw h.argErr();
      const matcherSet = h.extractMatcherSet();
      const handler = parse(h);
      return h.newRoute(matcherSet, handler);
    },
  };
}

export function registerGlobalOption(name: string, parse: GlobalOptionParser): void {
  if (globalOptions.has(name)) throw new Error(`global option ${name} registered twice`);
  globalOptions.set(name, parse);
}
