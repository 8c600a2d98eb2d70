import type { AdaptState } from '../helper.js';

/**
 * Counters that live for one whole adaptation, like the entries Caddy keeps
 * in the Helper's State map (shared by every site block): certificate tags
 * for `tls <cert> <key>` and automatic access-logger names.
 */
export interface TLSLogState {
  /** Certificate file → its tag ("cert0", ...), so a file is loaded once. */
  certTags: Map<string, string>;
  logCounter: number;
}

const states = new WeakMap<AdaptState, TLSLogState>();

export function adaptationState(shared: AdaptState): TLSLogState {
  let s = states.get(shared);
  if (!s) {
    s = { certTags: new Map(), logCounter: 0 };
    states.set(shared, s);
  }
  return s;
}
