/**
 * A header map for messages the proxy builds (the upstream request, the
 * upstream response before it is written): lower-cased keys, names kept as
 * first written, several values per field. It is a HeaderStore, so the
 * headers handler's compiled ops (header_up / header_down) run on it as is.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { HeaderStore } from '../../core/header_ops.js';

export class HeaderMap implements HeaderStore {
  private readonly fields = new Map<string, { name: string; values: string[] }>();

  /** From Node's rawHeaders (name/value pairs as received). */
  static fromRaw(raw: readonly string[]): HeaderMap {
    const h = new HeaderMap();
    for (let i = 0; i + 1 < raw.length; i += 2) h.add(raw[i]!, raw[i + 1]!);
    return h;
  }

  /** From a headersDistinct-style bag (lower-cased names). */
  static fromDistinct(bag: Record<string, string[] | string | undefined>): HeaderMap {
    const h = new HeaderMap();
    for (const [k, v] of Object.entries(bag)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) h.add(k, one);
    }
    return h;
  }

  clone(): HeaderMap {
    const h = new HeaderMap();
    for (const [l, f] of this.fields) h.fields.set(l, { name: f.name, values: [...f.values] });
    return h;
  }

  names(): string[] {
    return [...this.fields.keys()];
  }

  get(lowerName: string): string[] | undefined {
    return this.fields.get(lowerName)?.values;
  }

  first(lowerName: string): string | undefined {
    return this.fields.get(lowerName)?.values[0];
  }

  set(name: string, values: string[]): void {
    const l = name.toLowerCase();
    if (values.length === 0) this.fields.delete(l);
    else this.fields.set(l, { name: this.fields.get(l)?.name ?? name, values: [...values] });
  }

  add(name: string, value: string): void {
    const l = name.toLowerCase();
    const f = this.fields.get(l);
    if (f === undefined) this.fields.set(l, { name, values: [value] });
    else f.values.push(value);
  }

  del(lowerName: string): void {
    this.fields.delete(lowerName.toLowerCase());
  }

  entries(): Array<[string, string[]]> {
    return [...this.fields.values()].map((f) => [f.name, f.values]);
  }

  /** For undici: [name, value, ...], one pair per value, Host first (undici takes it as the authority). */
  toLines(): string[] {
    const out: string[] = [];
    const host = this.fields.get('host');
    if (host !== undefined) out.push(host.name, host.values[0]!);
    for (const [l, f] of this.fields) {
      if (l === 'host') continue;
      for (const v of f.values) out.push(f.name, v);
    }
    return out;
  }

  /** For http.request: one entry per field, arrays for repeated fields. */
  toOutgoing(): OutgoingHttpHeaders {
    const out: OutgoingHttpHeaders = {};
    for (const f of this.fields.values()) out[f.name] = f.values.length === 1 ? f.values[0] : f.values;
    return out;
  }
}
