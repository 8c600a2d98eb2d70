/**
 * `load_balancing.selection_policy` (Caddy's reverseproxy/selectionpolicies.go):
 * the JSON of every policy Caddy has, and the decoder of the ones tsweb runs.
 */
import { ObjectReader } from '../../core/decode.js';
import type { DurationJSON } from './config_transport.js';

type Simple = 'random' | 'first' | 'round_robin' | 'least_conn' | 'ip_hash' | 'client_ip_hash' | 'uri_hash';

/** One selection policy module, `{"policy": name, ...}`. */
export type SelectionPolicyConfig =
  | { policy: Simple }
  | { policy: 'weighted_round_robin'; weights?: number[] }
  | { policy: 'random_choose'; choose?: number }
  | { policy: 'query'; key?: string; fallback?: SelectionPolicyConfig }
  | { policy: 'header'; field?: string; fallback?: SelectionPolicyConfig }
  | { policy: 'cookie'; name?: string; secret?: string; max_age?: DurationJSON; fallback?: SelectionPolicyConfig };

/** A policy tsweb runs, as selection.ts compiles it. */
export type SelectionPolicy = { policy: Simple } | { policy: 'header'; field: string } | { policy: 'cookie'; name: string; secret: string };

const SIMPLE = new Set<string>(['random', 'first', 'round_robin', 'least_conn', 'ip_hash', 'client_ip_hash', 'uri_hash']);

export function decodeSelectionPolicy(v: unknown, path: string): SelectionPolicy {
  if (v === undefined || v === null) return { policy: 'random' };
  const r = ObjectReader.of(v, path);
  const policy = r.raw('policy');
  let out: SelectionPolicy;
  if (typeof policy === 'string' && SIMPLE.has(policy)) {
    out = { policy: policy as Simple };
  } else if (policy === 'header') {
    const field = r.str('field', '').toLowerCase();
    if (field === '') throw new Error('selection_policy header: field is required');
    // Caddy's fallback defaults to random, which is what tsweb does without a field value.
    r.ignore('fallback');
    out = { policy, field };
  } else if (policy === 'cookie') {
    const name = r.str('name', '');
    // The cookie is a session cookie and the fallback is random: max_age and fallback are not acted on yet.
    r.ignore('max_age', 'fallback');
    out = { policy, name: name === '' ? 'lb' : name, secret: r.str('secret', '') };
  } else {
    throw new Error(`loading load balancing selection policy: module not supported by tsweb yet: http.reverse_proxy.selection_policies.${String(policy)}`);
  }
  r.done();
  return out;
}
