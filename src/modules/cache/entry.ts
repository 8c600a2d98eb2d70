/**
 * Stored responses: which headers are kept (§3.1), which variant a request
 * selects (§4.1), how a 304 refreshes one (§3.2, §4.3.4), and writing one
 * to the client, as a 304 when the client's own validators match (§4.3.2).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { HeaderValue, ResponseWriter } from '../../core/response.js';
import type { Directives } from './cache_control.js';
import { currentAge, type Timing } from './freshness.js';
import { parseHttpDate } from './http_date.js';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { type Entry, entrySize, normalizeField } from './store.js';
import { HOP_BY_HOP } from '../../core/hop_headers.js';
import type { DiskBody, DiskEntry } from './disk_store.js';
import { rangeFor } from './range.js';

/** Not stored: hop-by-hop fields, what the cache computes itself, and cookies (one client's, never another's). */
const NOT_STORED = new Set([...HOP_BY_HOP, 'age', 'cache-status', 'x-cache-status', 'set-cookie']);

/** Fields a 304 must not change in the stored response (§3.2). */
const NOT_REFRESHED = new Set(['content-length', 'content-encoding', 'content-range']);

function fieldNames(v: string | true | undefined): string[] {
  return typeof v === 'string' ? v.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '') : [];
}

export function storedHeaders(h: Record<string, HeaderValue>, res: Directives): Record<string, HeaderValue> {
  const drop = new Set([...fieldNames(res.get('no-cache')), ...fieldNames(res.get('private'))]);
  const conn = h['connection'];
  for (const name of fieldNames(conn === undefined ? undefined : Array.isArray(conn) ? conn.join(',') : String(conn))) drop.add(name);
  const out: Record<string, HeaderValue> = {};
  for (const [k, v] of Object.entries(h)) if (!NOT_STORED.has(k) && !drop.has(k)) out[k] = v;
  return out;
}

export function varyNames(v: HeaderValue | undefined): string[] {
  if (v === undefined) return [];
  const text = Array.isArray(v) ? v.join(',') : String(v);
  return text.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
}

export function varyValues(names: readonly string[], req: IncomingHttpHeaders): Array<readonly [string, string]> {
  return names.map((n) => [n, normalizeField(req[n], n)] as const);
}

/** The newest stored variant whose Vary'd request fields match this request's. */
export function selectVariant(entries: readonly Entry[], req: IncomingHttpHeaders): Entry | undefined {
  return entries.find((e) => e.vary.every(([n, v]) => normalizeField(req[n], n) === v));
}

export function makeEntry(key: string, status: number, headers: Record<string, HeaderValue>, body: Buffer, vary: Entry['vary'], timing: Timing, keepMs: number): Entry {
  const e = { status, headers, body, vary, timing, dropAt: timing.responseTime + Math.max(0, keepMs) };
  return { ...e, size: entrySize(key, e) };
}

/** The stored response with the fields of a 304 that validated it. */
export function refreshed(key: string, old: Entry, h304: Record<string, HeaderValue>, res: Directives, timing: Timing, keepMs: number): Entry {
  const headers = { ...old.headers };
  for (const [k, v] of Object.entries(storedHeaders(h304, res))) if (!NOT_REFRESHED.has(k)) headers[k] = v;
  const e: DiskEntry = makeEntry(key, old.status, headers, old.body, old.vary, timing, keepMs);
  // A body on disk stays there: the refreshed head points at the same file.
  const file = (old as DiskEntry).file;
  if (file !== undefined) e.file = file;
  return e;
}

function first(v: HeaderValue | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(', ') : String(v);
}

const opaque = (t: string): string => t.trim().replace(/^W\//, '');

/** §4.3.2: If-None-Match (weak comparison), else If-Modified-Since against Last-Modified. */
export function clientNotModified(req: IncomingHttpHeaders, e: Entry): boolean {
  if (e.status !== 200) return false;
  const inm = req['if-none-match'];
  if (inm !== undefined) {
    const etag = first(e.headers['etag']);
    if (etag === undefined) return false;
    if (inm.trim() === '*') return true;
    return inm.split(',').some((t) => opaque(t) === opaque(etag));
  }
  const ims = req['if-modified-since'];
  if (ims !== undefined) {
    const since = parseHttpDate(ims);
    // Without Last-Modified, the Date, else when it was received (§4.3.2).
    const t = parseHttpDate(e.headers['last-modified'] ?? e.headers['date']) ?? e.timing.responseTime;
    return since !== undefined && t <= since;
  }
  return false;
}

/** Validators to send the origin for a stored response (§4.3.1). */
export function validatorsOf(e: Entry): { etag?: string; lastModified?: string } {
  return { etag: first(e.headers['etag']), lastModified: first(e.headers['last-modified']) };
}

/** Fields a 304 carries (RFC 9110 §15.4.5): the rest of the stored ones are left out. */
const IN_304 = ['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary', 'last-modified'];

/** Streams [start, end] of a body kept on disk; the file stays open until the response closes (the lookup arranged that). */
function streamFile(w: ResponseWriter, f: DiskBody, start: number, end: number): Promise<void> {
  if (end < start) {
    w.end();
    return Promise.resolve();
  }
  const rs = createReadStream(f.path, { fd: f.handle, start, end, autoClose: false });
  // A client gone or a read error cut the response (the writer is destroyed): nothing more to do.
  return pipeline(rs, w.asWritable()).catch(() => {});
}

/**
 * Writes a stored response (headers already merged into the writer's map by
 * the caller's choice). A GET's Range is answered from it (range.ts). A
 * body on disk is streamed, and the promise settles when it is sent.
 */
export function writeStored(w: ResponseWriter, e: Entry, now: number, head: boolean, notModified: boolean, req?: IncomingHttpHeaders): void | Promise<void> {
  if (notModified) {
    for (const k of IN_304) {
      const v = e.headers[k];
      if (v !== undefined) w.setHeader(k, v);
    }
  } else {
    for (const [k, v] of Object.entries(e.headers)) w.setHeader(k, v);
  }
  w.setHeader('Age', String(Math.floor(currentAge(e.timing, now) / 1000)));
  if (notModified) {
    w.removeHeader('content-length');
    w.writeHead(304);
    w.end();
    return;
  }
  const file = (e as DiskEntry).file;
  const length = file === undefined ? e.body.length : file.length;
  let start = 0;
  let end = length - 1;
  let status = e.status;
  const range = req?.range;
  if (range !== undefined && !head && status === 200) {
    const r = rangeFor(range, first(req!['if-range']), e.headers, length);
    if (r === 'unsatisfiable') {
      w.setHeader('Content-Range', `bytes */${length}`);
      w.setHeader('Content-Length', 0);
      w.writeHead(416);
      w.end();
      return;
    }
    if (r !== null) {
      ({ start, end } = r);
      status = 206;
      w.setHeader('Content-Range', `bytes ${start}-${end}/${length}`);
    }
  }
  // A HEAD keeps the stored Content-Length: the GET's length, or what the origin said to a HEAD.
  if (!head && e.status !== 204) w.setHeader('Content-Length', end - start + 1);
  w.writeHead(status);
  if (file !== undefined && !head) return streamFile(w, file, start, end);
  if (head || length === 0) w.end();
  else w.end(status === 206 ? e.body.subarray(start, end + 1) : e.body);
}

/** Clears what the handlers after the cache had set, before a stored response takes their place. */
export function clearHeaders(w: ResponseWriter, keep: ReadonlySet<string>): void {
  for (const name of w.getHeaderNames()) if (!keep.has(name)) w.removeHeader(name);
}
