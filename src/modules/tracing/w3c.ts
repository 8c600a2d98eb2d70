/**
 * W3C Trace Context as opentelemetry-go's propagation.TraceContext reads and
 * writes it: `traceparent` (version 00..fe; 00 allows nothing after the
 * flags and only the sampled and random bits), `tracestate` validated as
 * trace.ParseTraceState does (an invalid one is dropped, the traceparent
 * still counts). IDs stay lower-case hex strings: that is what headers,
 * placeholders and logs want; the exporter turns them into bytes.
 */

/** A trace context received from the client. */
export interface RemoteParent {
  traceId: string;
  spanId: string;
  /** The flags kept: sampled (0x01) and random (0x02). */
  flags: number;
  /** Re-serialized (valid members only), '' when absent or invalid. */
  traceState: string;
}

const HEX = /^[0-9a-f]+$/;
const ZERO_TRACE = '00000000000000000000000000000000';
const ZERO_SPAN = '0000000000000000';

/** A header part of exactly `n` lower-case hex digits. */
function hexPart(s: string, n: number): boolean {
  return s.length === n && HEX.test(s);
}

/**
 * Parses `traceparent` (the first field line: Node joins repeated ones with
 * ", ", and Go reads the first) and `tracestate`; null when the trace
 * context is invalid.
 */
export function parseTraceparent(header: string, tracestate: string | undefined): RemoteParent | null {
  const comma = header.indexOf(',');
  const h = comma >= 0 ? header.slice(0, comma).trim() : header;
  const parts = h.split('-');
  if (parts.length < 4) return null;
  const [ver, traceId, spanId, flagsHex] = parts as [string, string, string, string];
  if (!hexPart(ver, 2) || !hexPart(traceId, 32) || !hexPart(spanId, 16) || !hexPart(flagsHex, 2)) return null;
  const version = parseInt(ver, 16);
  if (version > 254) return null;
  const flags = parseInt(flagsHex, 16);
  if (version === 0 && (parts.length > 4 || flags > 3)) return null;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null;
  return { traceId, spanId, flags: flags & 3, traceState: tracestate === undefined ? '' : parseTraceState(tracestate) };
}

/** The header opentelemetry-go injects: version 00, the flags it keeps. */
export function formatTraceparent(traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-0${flags & 3}`;
}

const KEY_REST = /^[a-z0-9_\-*/]*$/;

function checkKeyPart(key: string, n: number): boolean {
  if (key === '') return false;
  const first = key.charCodeAt(0);
  return key.length - 1 <= n && first >= 0x61 && first <= 0x7a && KEY_REST.test(key.slice(1));
}

function checkKey(key: string): boolean {
  const at = key.indexOf('@');
  if (at < 0) return checkKeyPart(key, 255);
  const tenant = key.slice(0, at);
  const system = key.slice(at + 1);
  return tenant !== '' && /^[a-z0-9]/.test(tenant) && tenant.length - 1 <= 240 && KEY_REST.test(tenant.slice(1)) && checkKeyPart(system, 13);
}

function checkValue(v: string): boolean {
  const n = v.length;
  if (n === 0 || n > 256) return false;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    const lo = i === n - 1 ? 0x21 : 0x20;
    if (c < lo || c > 0x7e || c === 0x2c || c === 0x3d) return false;
  }
  return true;
}

/** trace.ParseTraceState then String(): '' for an invalid list (any bad member, a duplicate, more than 32). */
export function parseTraceState(ts: string): string {
  if (ts === '') return '';
  const out: string[] = [];
  const seen = new Set<string>();
  for (const m of ts.split(',')) {
    if (m === '') continue;
    const eq = m.indexOf('=');
    if (eq < 0) return '';
    const key = m.slice(0, eq).replace(/^[ \t]+/, '');
    const value = m.slice(eq + 1).replace(/[ \t]+$/, '');
    if (!checkKey(key) || !checkValue(value) || seen.has(key)) return '';
    seen.add(key);
    out.push(`${key}=${value}`);
    if (out.length > 32) return '';
  }
  return out.join(',');
}
