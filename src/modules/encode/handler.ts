/**
 * encode (Caddy's encode.Encode; the `encode` directive): compresses the
 * responses of the handlers after it with the best encoding the client
 * accepts (Accept-Encoding q-values, then `prefer`, then header order).
 *
 * Decided once per response, when enough of it is known:
 * - never for 1xx/204/304, a response that already has a
 *   Content-Encoding, or `Cache-Control: no-transform` (either side);
 * - only for bodies longer than minimum_length (512): a Content-Length says
 *   so at once, otherwise up to that many bytes are held back until the
 *   body passes it (or ends short and goes out as it is, Content-Length
 *   and all); text/event-stream is never held back, so events are not
 *   delayed, and each event is flushed through the compressor;
 * - only for responses the `match` response matcher accepts (by default
 *   Caddy's list of text-like Content-Types; a missing Content-Type is
 *   sniffed from the first bytes, as Caddy does).
 * When it encodes: Content-Encoding is set, Content-Length and
 * Accept-Ranges go, `Vary: Accept-Encoding` is added, and a strong ETag
 * becomes weak (W/), since the bytes differ from the identity ones.
 *
 * Output streams with backpressure: the writer's write() returns false
 * while the compressor is full, and 'drain' follows when it has room.
 */
import type { ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';
import { handlerModule } from '../../core/registry.js';
import { acceptedEncodings } from '../../core/accept_encoding.js';
import { compileEncoders, type EncoderFactory } from './encoders.js';
import { absorbWriteHeadArgs } from '../../core/response_head.js';
import { compileResponseMatcher, type ResponseMatcher } from '../../core/response_matcher.js';
import { detectContentType } from '../../go/sniff.js';

const DEFAULT_MIN_LENGTH = 512;

/** Caddy's default `match`: common text-based types (encode.go). */
const DEFAULT_TYPES = [
  'application/atom+xml*', 'application/eot*', 'application/font*', 'application/geo+json*', 'application/graphql+json*',
  'application/javascript*', 'application/json*', 'application/ld+json*', 'application/manifest+json*', 'application/opentype*',
  'application/otf*', 'application/rss+xml*', 'application/truetype*', 'application/ttf*', 'application/vnd.api+json*',
  'application/vnd.ms-fontobject*', 'application/wasm*', 'application/x-httpd-cgi*', 'application/x-javascript*',
  'application/x-opentype*', 'application/x-otf*', 'application/x-perl*', 'application/x-protobuf*', 'application/x-ttf*',
  'application/xhtml+xml*', 'application/xml*', 'font/ttf*', 'font/otf*', 'image/svg+xml*', 'image/vnd.microsoft.icon*',
  'image/x-icon*', 'multipart/bag*', 'multipart/mixed*', 'text/*',
];

interface EncodeConfig {
  name: string;
  factory: EncoderFactory;
  minLength: number;
  match: ResponseMatcher;
}

type Cb = (err?: Error | null) => void;
// The wrapped methods, called with Node's loose argument lists.
type Prev = {
  writeHead: (...a: unknown[]) => ServerResponse;
  write: (...a: unknown[]) => boolean;
  end: (...a: unknown[]) => ServerResponse;
};

function noTransform(v: unknown): boolean {
  if (v === undefined) return false;
  return (Array.isArray(v) ? String(v[0] ?? '') : String(v)).includes('no-transform');
}

function hasVary(res: ServerResponse, target: string): boolean {
  const v = res.getHeader('vary');
  if (v === undefined) return false;
  const lines = Array.isArray(v) ? v : [String(v)];
  return lines.some((line) => line.split(',').some((x) => x.trim().toLowerCase() === target));
}

function toBuffer(chunk: unknown, encoding?: BufferEncoding): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding ?? 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk));
}

/**
 * Sits on one response (its writeHead/write/end replaced on the instance)
 * from the moment encode runs until the handlers after it have returned.
 */
class EncodingWriter {
  private readonly prev: Prev;
  private status = 0;
  private statusMessage: string | undefined;
  private mode: 'pending' | 'identity' | 'encode' = 'pending';
  private held: Buffer[] = [];
  private heldBytes = 0;
  private encoder: Transform | null = null;
  private stream = false;
  private ended = false;
  private touched = false;
  /** Set while we hand the head on ourselves, so our own writeHead lets it through. */
  private passing = false;
  /** Whether the compressor's end also ends the response (not when the handlers never ended it). */
  private endResponse = true;
  private endCb: Cb | undefined;
  private done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    private readonly res: ServerResponse,
    private readonly cfg: EncodeConfig,
  ) {
    this.prev = { writeHead: res.writeHead, write: res.write, end: res.end } as unknown as Prev;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    const self = this;
    res.writeHead = function (this: ServerResponse, status: number, ...args: unknown[]) {
      return self.writeHead(status, args);
    } as ServerResponse['writeHead'];
    res.write = function (this: ServerResponse, chunk: unknown, encoding?: unknown, cb?: unknown) {
      return self.write(chunk, encoding, cb);
    } as ServerResponse['write'];
    res.end = function (this: ServerResponse, chunk?: unknown, encoding?: unknown, cb?: unknown) {
      return self.end(chunk, encoding, cb);
    } as ServerResponse['end'];
  }

  private writeHead(status: number, args: unknown[]): ServerResponse {
    const { res, prev } = this;
    if (this.passing || this.mode !== 'pending' || (status >= 100 && status <= 199)) {
      return prev.writeHead.call(res, status, ...args);
    }
    // Like Caddy's encoder, remember the status; the head goes out once we know whether to encode.
    this.touched = true;
    this.statusMessage = absorbWriteHeadArgs(res, args);
    this.status = status;
    res.statusCode = status;
    return res;
  }

  private write(chunk: unknown, encoding: unknown, cb: unknown): boolean {
    const { res, prev } = this;
    if (typeof encoding === 'function') {
      cb = encoding;
      encoding = undefined;
    }
    if (this.ended) return prev.write.call(res, chunk, encoding, cb);
    this.touched = true;
    const buf = toBuffer(chunk, encoding as BufferEncoding | undefined);
    const callback = typeof cb === 'function' ? (cb as Cb) : undefined;
    if (buf.length === 0) {
      if (callback) process.nextTick(callback);
      return true;
    }
    if (this.mode === 'pending') {
      this.held.push(buf);
      this.heldBytes += buf.length;
      if (!this.decide(false)) {
        if (callback) process.nextTick(callback);
        return true;
      }
      return this.release(callback);
    }
    if (this.mode === 'identity') return prev.write.call(res, buf, callback);
    return this.compress(buf, callback);
  }

  private end(chunk: unknown, encoding: unknown, cb: unknown): ServerResponse {
    const { res, prev } = this;
    if (typeof chunk === 'function') {
      cb = chunk;
      chunk = undefined;
    } else if (typeof encoding === 'function') {
      cb = encoding;
      encoding = undefined;
    }
    const callback = typeof cb === 'function' ? (cb as Cb) : undefined;
    if (this.ended) {
      if (callback) process.nextTick(callback);
      return res;
    }
    this.ended = true;
    this.touched = true;
    const last = chunk === undefined || chunk === null ? null : toBuffer(chunk, encoding as BufferEncoding | undefined);
    if (last !== null && last.length > 0) {
      if (this.mode === 'pending') {
        this.held.push(last);
        this.heldBytes += last.length;
      } else if (this.mode === 'encode') {
        this.encoder!.write(last);
      }
    }
    if (this.mode === 'pending') {
      this.decide(true);
      if ((this.mode as string) === 'identity') {
        // The whole body is here: hand it on in one end(), so Node sends its Content-Length.
        const body = Buffer.concat(this.held);
        this.held = [];
        res.statusCode = this.status || res.statusCode;
        if (this.statusMessage !== undefined) res.statusMessage = this.statusMessage;
        this.passing = true;
        try {
          prev.end.call(res, body, callback);
        } finally {
          this.passing = false;
        }
        this.resolveDone();
        return res;
      }
      this.commitHead();
      for (const b of this.held) this.encoder!.write(b);
      this.held = [];
    }
    if (this.mode === 'identity') {
      prev.end.call(res, last !== null && last.length > 0 ? last : undefined, callback);
      this.resolveDone();
      return res;
    }
    this.endCb = callback;
    this.encoder!.end();
    return res;
  }

  /**
   * Decides identity or encoding, if enough is known; `final` = the body is
   * complete. Returns false while still undecided (bytes held back).
   */
  private decide(final: boolean): boolean {
    if (this.mode !== 'pending') return true;
    const { res, cfg } = this;
    const status = this.status || res.statusCode;
    let encode = false;
    if (status >= 200 && status !== 204 && status !== 304) {
      const cl = res.getHeader('content-length');
      const declared = cl === undefined ? NaN : Number(Array.isArray(cl) ? cl[0] : cl);
      const type = String(res.getHeader('content-type') ?? '');
      this.stream = type.startsWith('text/event-stream');
      let longEnough: boolean;
      if (Number.isInteger(declared) && declared >= 0) longEnough = declared > cfg.minLength;
      else if (this.heldBytes > cfg.minLength) longEnough = true;
      else if (final || this.stream) longEnough = false;
      else return false;
      if (longEnough) {
        if (!res.hasHeader('content-type') && this.heldBytes > 0) res.setHeader('Content-Type', detectContentType(Buffer.concat(this.held)));
        encode = !res.hasHeader('content-encoding') && !noTransform(res.getHeader('cache-control')) && cfg.match(status, res);
      }
    }
    this.mode = encode ? 'encode' : 'identity';
    if (encode) this.startEncoder();
    return true;
  }

  private startEncoder(): void {
    const { res, cfg, prev } = this;
    res.removeHeader('Content-Length');
    res.setHeader('Content-Encoding', cfg.name);
    if (!hasVary(res, 'accept-encoding')) res.appendHeader('Vary', 'Accept-Encoding');
    res.removeHeader('Accept-Ranges');
    const etag = res.getHeader('etag');
    if (typeof etag === 'string' && etag !== '' && !etag.startsWith('W/')) res.setHeader('ETag', 'W/' + etag);

    const enc = cfg.factory();
    this.encoder = enc;
    enc.on('data', (d: Buffer) => {
      if (!prev.write.call(res, d)) {
        enc.pause();
        res.once('drain', () => enc.resume());
      }
    });
    enc.on('end', () => {
      if (this.endResponse) prev.end.call(res, this.endCb);
      this.resolveDone();
    });
    enc.on('error', (err) => {
      res.destroy(err);
      this.resolveDone();
    });
  }

  /** Writes the head as decided, through whatever wraps the response outside us. */
  private commitHead(): void {
    const { res, prev } = this;
    if (res.headersSent) return;
    const status = this.status || res.statusCode;
    this.passing = true;
    try {
      if (this.statusMessage !== undefined) prev.writeHead.call(res, status, this.statusMessage);
      else prev.writeHead.call(res, status);
    } finally {
      this.passing = false;
    }
  }

  /** After the decision: the head, then what was held back. */
  private release(cb: Cb | undefined): boolean {
    this.commitHead();
    const held = Buffer.concat(this.held);
    this.held = [];
    this.heldBytes = 0;
    if (this.mode === 'identity') return this.prev.write.call(this.res, held, cb);
    return this.compress(held, cb);
  }

  private compress(buf: Buffer, cb: Cb | undefined): boolean {
    const enc = this.encoder!;
    const ok = enc.write(buf, cb);
    // Server-sent events must reach the client as they happen.
    if (this.stream) (enc as unknown as { flush(): void }).flush();
    if (!ok) enc.once('drain', () => this.res.emit('drain'));
    return ok;
  }

  /**
   * The handlers after encode have returned: finish what they started and
   * step aside, so error routes and the server write to the response
   * directly (Caddy's deferred Close).
   */
  async finish(): Promise<void> {
    const { res } = this;
    if (!this.touched || this.ended) {
      if (this.ended) await this.done;
      this.restore();
      return;
    }
    // Written to but not ended: close the compressor, leave the response open.
    if (this.mode === 'pending') {
      this.decide(true);
      this.release(undefined);
    }
    if (this.mode === 'encode') {
      this.endResponse = false;
      this.encoder!.end();
      await this.done;
    } else if (!res.headersSent) {
      this.commitHead();
    }
    this.restore();
  }

  private restore(): void {
    const res = this.res as unknown as Prev;
    res.writeHead = this.prev.writeHead;
    res.write = this.prev.write;
    res.end = this.prev.end;
  }
}

export const encodeHandler = handlerModule('encode', (config) => {
  const encoders = compileEncoders(config.encodings);
  const prefer = config.prefer ?? [];
  if (!Array.isArray(prefer) || prefer.some((p) => typeof p !== 'string')) throw new Error('prefer: must be a list of encoding names');
  const seen = new Set<string>();
  for (const name of prefer as string[]) {
    if (!encoders.has(name)) throw new Error(`encoding ${name} not enabled`);
    if (seen.has(name)) throw new Error(`encoding ${name} is duplicated in prefer`);
    seen.add(name);
  }
  const minRaw = config.minimum_length ?? 0;
  if (typeof minRaw !== 'number' || !Number.isInteger(minRaw) || minRaw < 0) throw new Error('minimum_length: must be a non-negative integer');
  const minLength = minRaw === 0 ? DEFAULT_MIN_LENGTH : minRaw;
  const match = compileResponseMatcher(config.match ?? { headers: { 'Content-Type': DEFAULT_TYPES } }, 'match');

  return async (ctx, next) => {
    const { req, res } = ctx;
    // HEAD goes through too: its head must be the one GET gets (Caddy decides it from the
    // Content-Length when nothing is written); Node drops the compressor's bytes itself.
    if (noTransform(req.headers['cache-control'])) return next();
    const ae = req.headers['accept-encoding'];
    const ws = req.headers['sec-websocket-key'];
    let chosen: string | undefined;
    for (const name of acceptedEncodings(Array.isArray(ae) ? ae.join(',') : ae, typeof ws === 'string' ? ws : undefined, prefer as string[])) {
      if (encoders.has(name)) {
        chosen = name;
        break;
      }
    }
    if (chosen === undefined) return next();
    const writer = new EncodingWriter(res, { name: chosen, factory: encoders.get(chosen)!, minLength, match });
    try {
      await next();
    } finally {
      await writer.finish();
    }
  };
});
