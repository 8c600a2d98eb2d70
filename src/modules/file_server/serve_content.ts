/**
 * Go's http.ServeContent, which Caddy's file server ends in: Last-Modified,
 * preconditions (304 / 412), Range (206, multipart/byteranges, 416), HEAD,
 * and the body streamed from an open file with backpressure. Small files
 * (and ranges) are read with one synchronous read and sent with one
 * w.end(buffer); larger ones are read in chunks piped into the response,
 * never whole.
 */
import { read, readSync } from 'node:fs';
import { promisify } from 'node:util';
import { pipeline } from 'node:stream/promises';
import { statusText } from '../../core/errors.js';
import type { Ctx } from '../../core/types.js';
import { checkPreconditions, ifRangeAllows } from './conditional.js';
import { type ByteRange, contentRange, multipart, parseRange } from './ranges.js';

/**
 * Up to this size a file (or range) is read with one synchronous read and
 * sent with one write: a page-cache copy of this size takes microseconds,
 * far less than a thread-pool round trip per chunk. Bounded so a slow
 * client never pins more than this in memory.
 */
const ONE_READ = 128 * 1024;
/** Chunk size when streaming larger bodies. */
const CHUNK = 64 * 1024;

const readAsync = promisify(read);

export interface Content {
  /** An open descriptor; serveContent owns it from here on and closes it (once no read is pending). -1 with `body`. */
  fd: number;
  /** The whole file, when it is already in memory (then there is no descriptor). */
  body: Buffer | null;
  close: (fd: number) => void;
  size: number;
  /** Modification time in seconds, or null when it is not useful (no Last-Modified, no time preconditions). */
  mtime: number | null;
  /** The status every write uses instead of its own (Caddy's statusOverrideResponseWriter); 0 for none. */
  statusOverride: number;
}

function writeHead(ctx: Ctx, status: number, override: number): void {
  const code = override > 0 ? override : status;
  ctx.w.statusCode = code;
  // Go's reason phrases (Node says "Range Not Satisfiable" where Go says "Requested Range Not Satisfiable").
  const text = statusText(code);
  if (text !== '') ctx.w.statusMessage = text;
}

/** http.Error as ServeContent uses it: a short text body, no sniffing. */
function httpError(ctx: Ctx, status: number, message: string, override: number): void {
  const { w } = ctx;
  const body = `${message}\n`;
  w.setHeader('Content-Length', Buffer.byteLength(body));
  w.setHeader('Content-Type', 'text/plain; charset=utf-8');
  w.setHeader('X-Content-Type-Options', 'nosniff');
  writeHead(ctx, status, override);
  w.end(body);
}

export async function serveContent(ctx: Ctx, c: Content): Promise<void> {
  // The streaming path hands the descriptor to its reader, which closes it
  // after its last read; every other path is done with it when send returns.
  let handedOff = false;
  try {
    await send(ctx, c, () => (handedOff = true));
  } finally {
    if (!handedOff && c.fd >= 0) c.close(c.fd);
  }
}

async function send(ctx: Ctx, c: Content, handOff: () => void): Promise<void> {
  const { req, w } = ctx;
  const method = ctx.method;
  if (c.mtime !== null) w.setHeader('Last-Modified', new Date(c.mtime * 1000).toUTCString());
  const etagHeader = w.getHeader('ETag');
  const etag = typeof etagHeader === 'string' ? etagHeader : '';

  const pre = checkPreconditions(req, method, etag, c.mtime);
  if (pre === 'failed') {
    writeHead(ctx, 412, c.statusOverride);
    w.end();
    return;
  }
  if (pre === 'not-modified') {
    // writeNotModified: a 304 carries validators, not a description of a body.
    w.removeHeader('Content-Type');
    w.removeHeader('Content-Length');
    w.removeHeader('Content-Encoding');
    if (etag !== '') w.removeHeader('Last-Modified');
    writeHead(ctx, 304, c.statusOverride);
    w.end();
    return;
  }

  let rangeHeader = typeof req.headers.range === 'string' ? req.headers.range : '';
  if (rangeHeader !== '' && !ifRangeAllows(req, method, etag, c.mtime)) rangeHeader = '';

  const size = c.size;
  let ranges = parseRange(rangeHeader, size);
  if (ranges === 'no-overlap' && size === 0) ranges = [];
  if (ranges === 'no-overlap') {
    w.setHeader('Content-Range', `bytes */${size}`);
    return httpError(ctx, 416, 'invalid range: failed to overlap', c.statusOverride);
  }
  if (ranges === 'invalid') return httpError(ctx, 416, 'invalid range', c.statusOverride);
  // Ranges that add up to more than the file are a waste of everyone's time: send the file.
  if (ranges.reduce((n, r) => n + r.length, 0) > size) ranges = [];

  let status = 200;
  let sendSize = size;
  let parts: ByteRange[] = [{ start: 0, length: size }];
  let framing: ReturnType<typeof multipart> | null = null;
  if (ranges.length === 1) {
    status = 206;
    parts = ranges;
    sendSize = ranges[0]!.length;
    w.setHeader('Content-Range', contentRange(ranges[0]!, size));
  } else if (ranges.length > 1) {
    status = 206;
    parts = ranges;
    const ct = w.getHeader('Content-Type');
    framing = multipart(ranges, size, typeof ct === 'string' ? ct : '');
    sendSize = framing.length;
    w.setHeader('Content-Type', `multipart/byteranges; boundary=${framing.boundary}`);
  }
  w.setHeader('Accept-Ranges', 'bytes');
  w.setHeader('Content-Length', sendSize);
  writeHead(ctx, status, c.statusOverride);

  if (method === 'HEAD' || sendSize === 0) {
    w.end();
    return;
  }
  try {
    if (c.body !== null) {
      const b = c.body;
      if (framing === null) {
        const r = parts[0]!;
        w.end(r.length === b.length ? b : b.subarray(r.start, r.start + r.length));
      } else {
        const chunks: Buffer[] = [];
        for (let i = 0; i < parts.length; i++) chunks.push(Buffer.from(framing.heads[i]!), b.subarray(parts[i]!.start, parts[i]!.start + parts[i]!.length));
        chunks.push(Buffer.from(framing.tail));
        w.end(Buffer.concat(chunks));
      }
      return;
    }
    if (framing === null && sendSize <= ONE_READ) {
      const r = parts[0]!;
      const buf = Buffer.allocUnsafe(r.length);
      const bytesRead = readSync(c.fd, buf, 0, r.length, r.start);
      if (bytesRead !== r.length) throw new Error('file shrank while being sent');
      w.end(buf);
      return;
    }
    const { fd, close } = c;
    const f = framing;
    await pipeline(async function* () {
      // From its first step the generator owns the descriptor: its finally
      // runs only once no read is pending (a return() waits for the await),
      // so the number is never closed under a read in the thread pool.
      handOff();
      try {
        for (let i = 0; i < parts.length; i++) {
          if (f !== null) yield Buffer.from(f.heads[i]!);
          const r = parts[i]!;
          for (let pos = r.start, end = r.start + r.length; pos < end; ) {
            const want = Math.min(CHUNK, end - pos);
            const { bytesRead, buffer } = await readAsync(fd, Buffer.allocUnsafe(want), 0, want, pos);
            // A file cut short under us would leave the client waiting for the promised Content-Length.
            if (bytesRead === 0) throw new Error('file shrank while being sent');
            pos += bytesRead;
            yield bytesRead === want ? buffer : buffer.subarray(0, bytesRead);
          }
        }
        if (f !== null) yield Buffer.from(f.tail);
      } finally {
        close(fd);
      }
    }, w.asWritable());
  } catch {
    // The client went away, or the file became unreadable mid-body: the
    // status is already sent, so all that is left is to drop the connection.
    if (!w.destroyed) w.destroy();
  }
}
