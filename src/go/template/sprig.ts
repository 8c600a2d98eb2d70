/**
 * Sprig's text/template function map (sprig.TxtFuncMap), the library Caddy
 * gives every template. One Map for the process: templates keep a reference
 * (Template.funcs), nothing is copied per request. Functions Sprig has that
 * are not here are listed in README's Templates section.
 */
import { LIST_FUNCS } from './sprig_lists.js';
import { MISC_FUNCS } from './sprig_misc.js';
import { STRING_FUNCS } from './sprig_strings.js';
import type { GoFunc } from './values.js';

export const SPRIG: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([...STRING_FUNCS, ...LIST_FUNCS, ...MISC_FUNCS]);
