/**
 * The upstream response's head as the undici path (transport_undici.ts)
 * passes it on, from the header lines in one pass: the same rules as
 * response.ts (hop-by-hop fields and those named by Connection dropped, the
 * upstream's fields appended to what the response already has, header_down
 * applied, a missing Content-Type sniffed from the first bytes, event
 * streams flushed at once) and the same placeholders, set in one go.
 */
import type { CompiledHeaderOps } from '../../core/header_ops.js';
import { canonicalKey } from '../../core/header_ops.js';
import type { Ctx } from '../../core/types.js';
import { goDuration } from '../../go/fmt.js';
import { detectContentType } from '../../go/sniff.js';
import { HeaderMap } from './header_map.js';
import type { PassiveHealth } from './passive_health.js';
import type { Upstream } from './upstreams.js';
import { HOP_BY_HOP_SET } from '../../core/hop_headers.js';
import { markProxiedResponse } from './via.js';

/** What the handler decided at provision time about passing responses on. */
export interface ResponseOptions {
  headerDown: CompiledHeaderOps | null;
  /** flush_interval in ms (negative: every write), null when unset. */
  flushInterval: number | null;
  health: PassiveHealth;
}

/** Header lines as [name, value, ...] strings: undici gives Buffers for HTTP/1.1 and an object for HTTP/2. */
export function headerLines(raw: unknown): string[] {
  const out: string[] = [];
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) out.push(String(raw[i] instanceof Buffer ? raw[i].toString('latin1') : raw[i]), String(raw[i + 1] instanceof Buffer ? raw[i + 1].toString('latin1') : raw[i + 1]));
  } else if (raw !== null && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      // HTTP/2 pseudo-headers (:status) are not fields.
      if (k.startsWith(':') || v === undefined) continue;
      if (Array.isArray(v)) for (const one of v) out.push(k, String(one));
      else out.push(k, String(v));
    }
  }
  return out;
}


/** Placeholder keys per field name as received: Go canonicalizes the name, so {http.reverse_proxy.header.Content-Type} finds `content-type`. */
const placeholderKeys = new Map<string, string>();
function placeholderKey(name: string): string {
  let k = placeholderKeys.get(name);
  if (k === undefined) {
    k = `http.reverse_proxy.header.${canonicalKey(name)}`;
    // Names come from upstreams: cap the cache rather than grow with every odd name.
    if (placeholderKeys.size < 1000) placeholderKeys.set(name, k);
  }
  return k;
}

export class ResponseHead {
  /** The next body chunk names the Content-Type (none came, nothing encoded, not flushing). */
  sniff = false;
  /** Lower-cased names of the fields passed on, in order. */
  private readonly names: string[] = [];
  private readonly lines: string[] = [];
  private chunked = true;
  private announced = '';

  constructor(
    private readonly ctx: Ctx,
    private readonly opts: ResponseOptions,
    u: Upstream,
    sent: bigint,
    private readonly status: number,
    private readonly statusText: string,
    raw: readonly string[],
  ) {
    const { repl } = ctx;
    const latency = process.hrtime.bigint() - sent;
    const latencyMs = Number(latency) / 1e6;
    repl.set('http.reverse_proxy.latency', goDuration(latency));
    repl.set('http.reverse_proxy.latency_ms', latencyMs);
    opts.health.judge(u, status, latencyMs);
    repl.set('http.reverse_proxy.status_code', status);
    // Go's Response.Status, which Caddy puts here: the code and the reason ("404 Not Found").
    repl.set('http.reverse_proxy.status_text', statusText ? `${status} ${statusText}` : String(status));

    let connectionNamed: string[] | null = null;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      const value = raw[i + 1]!;
      const lower = name.toLowerCase();
      if (HOP_BY_HOP_SET.has(lower)) {
        if (lower === 'connection') {
          for (const t of value.split(',')) {
            const n = t.trim().toLowerCase();
            if (n !== '' && n !== 'close' && n !== 'keep-alive') (connectionNamed ??= []).push(n);
          }
        } else if (lower === 'trailer') this.announced = this.announced === '' ? value : `${this.announced}, ${value}`;
        continue;
      }
      if (lower === 'content-length') this.chunked = false;
      this.names.push(lower);
      this.lines.push(name, value);
    }
    if (connectionNamed !== null) this.dropNamed(connectionNamed);
    // One placeholder per field, its values joined with commas (Go's header map, as Caddy sets them).
    for (let i = 0, n = 0; i < this.lines.length; i += 2, n++) {
      const lower = this.names[n]!;
      const first = this.names.indexOf(lower);
      if (first !== n) continue;
      let value = this.lines[i + 1]!;
      for (let j = n + 1; j < this.names.length; j++) if (this.names[j] === lower) value += `,${this.lines[j * 2 + 1]!}`;
      repl.set(placeholderKey(this.lines[i]!), value);
    }
  }

  private dropNamed(named: string[]): void {
    for (let n = this.names.length - 1; n >= 0; n--) {
      if (named.includes(this.names[n]!)) {
        this.names.splice(n, 1);
        this.lines.splice(n * 2, 2);
      }
    }
  }

  /** Writes the status and the fields to ctx.w; the head itself goes with the first body byte (or now, when flushing). */
  write(version: string): void {
    const { w } = this.ctx;
    markProxiedResponse(w, version);
    let contentType = '';
    let encoded = false;
    if (this.opts.headerDown === null) {
      const { lines } = this;
      for (let i = 0, n = 0; i < lines.length; i += 2, n++) {
        const lower = this.names[n]!;
        if (lower === 'content-type' && contentType === '') contentType = lines[i + 1]!;
        else if (lower === 'content-encoding') encoded = true;
        w.appendHeader(lines[i]!, lines[i + 1]!);
      }
    } else {
      const h = new HeaderMap();
      for (let i = 0; i < this.lines.length; i += 2) h.add(this.lines[i]!, this.lines[i + 1]!);
      this.opts.headerDown.apply(h, this.ctx.repl);
      for (const [name, values] of h.entries()) for (const v of values) w.appendHeader(name, v);
      contentType = h.first('content-type') ?? '';
      encoded = h.get('content-encoding') !== undefined;
      this.chunked = h.get('content-length') === undefined;
    }
    // Trailer is hop-by-hop; announced again for a body that can carry trailers.
    if (this.announced !== '' && this.chunked) w.appendHeader('Trailer', this.announced);
    w.statusCode = this.status;
    if (this.statusText !== '') w.statusMessage = this.statusText;
    const fi = this.opts.flushInterval;
    const flush = (fi !== null && fi < 0) || contentType.toLowerCase().startsWith('text/event-stream');
    // Event streams: the head goes now, before any event, and small writes are not delayed.
    if (flush) w.flush();
    this.sniff = contentType === '' && !encoded && !flush;
  }

  /** Go's ResponseWriter names a missing Content-Type from the first bytes, so Caddy's clients get one. */
  sniffFrom(chunk: Buffer): void {
    this.sniff = false;
    const { w } = this.ctx;
    if (!w.headersSent && !w.hasHeader('content-type')) w.setHeader('Content-Type', detectContentType(chunk));
  }

  /** The upstream's trailers, after its body (chunked responses carry them to the client). */
  trailers(lines: readonly string[]): void {
    if (!this.chunked || lines.length === 0) return;
    const t: Record<string, string> = {};
    for (let i = 0; i < lines.length; i += 2) t[lines[i]!] = lines[i + 1]!;
    this.ctx.w.addTrailers(t);
  }
}
