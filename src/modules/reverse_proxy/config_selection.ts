/**
 * `load_balancing.selection_policy` (Caddy's reverseproxy/selectionpolicies.go):
 * the JSON of every policy Caddy has, and the decoder of the ones tsweb runs.
 */
import { DecodeError, jsonKind, ObjectReader } from '../../core/decode.js';
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
export type SelectionPolicy =
  | { policy: Simple }
  | { policy: 'weighted_round_robin'; weights: number[] }
  | { policy: 'random_choose'; choose: number }
  | { policy: 'query'; key: string; fallback: SelectionPolicy }
  | { policy: 'header'; field: string; fallback: SelectionPolicy }
  | { policy: 'cookie'; name: string; secret: string; fallback: SelectionPolicy; /** Seconds; 0: a session cookie. */ maxAge: number };

const SIMPLE = new Set<string>(['random', 'first', 'round_robin', 'least_conn', 'ip_hash', 'client_ip_hash', 'uri_hash']);

/** Caddy's fallback: random unless named (module load errors worded as Caddy's). */
function decodeFallback(r: ObjectReader): SelectionPolicy {
  const raw = r.raw('fallback');
  if (raw === undefined || raw === null) return { policy: 'random' };
  try {
    return decodeSelectionPolicy(raw, r.at('fallback'));
  } catch (e) {
    throw new Error(`loading fallback selection policy: ${(e as Error).message}`);
  }
}

export function decodeSelectionPolicy(v: unknown, path: string): SelectionPolicy {
  if (v === undefined || v === null) return { policy: 'random' };
  const r = ObjectReader.of(v, path);
  const policy = r.raw('policy');
  let out: SelectionPolicy;
  if (typeof policy === 'string' && SIMPLE.has(policy)) {
    out = { policy: policy as Simple };
  } else if (policy === 'weighted_round_robin') {
    const weights = r.list('weights', (x, p) => {
      if (typeof x !== 'number' || !Number.isInteger(x)) throw new DecodeError(p, `json: cannot unmarshal ${jsonKind(x)} into Go value of type int`);
      return x;
    });
    // Caddy's Validate, in its words.
    if (weights.some((w) => w < 0)) throw new Error('weight of an upstream cannot be negative');
    if (weights.reduce((a, b) => a + b, 0) <= 0) throw new Error('weighted_round_robin requires at least one upstream with a positive weight');
    out = { policy, weights };
  } else if (policy === 'random_choose') {
    const choose = r.int('choose', 0) || 2;
    if (choose < 2) throw new Error('choose must be at least 2');
    out = { policy, choose };
  } else if (policy === 'query') {
    const key = r.str('key', '');
    if (key === '') throw new Error('query key is required');
    out = { policy, key, fallback: decodeFallback(r) };
  } else if (policy === 'header') {
    const field = r.str('field', '').toLowerCase();
    if (field === '') throw new Error('selection_policy header: field is required');
    out = { policy, field, fallback: decodeFallback(r) };
  } else if (policy === 'cookie') {
    const name = r.str('name', '');
    const maxAge = Math.floor(r.durationMs('max_age') / 1000);
    out = { policy, name: name === '' ? 'lb' : name, secret: r.str('secret', ''), fallback: decodeFallback(r), maxAge };
  } else {
    throw new Error(`loading load balancing selection policy: module not supported by tsweb yet: http.reverse_proxy.selection_policies.${String(policy)}`);
  }
  r.done();
  return out;
}
