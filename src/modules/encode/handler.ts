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
 * while the compressor is full, and onceDrain fires when it has room.
 */
import type { Transform } from 'node:stream';
import { handlerModule } from '../../core/registry.js';
import { acceptedEncodings } from '../../core/accept_encoding.js';
import { compileEncoders, type EncoderFactory } from './encoders.js';
import { decodeEncode, type Encode } from './config.js';
import type { Handler } from '../../core/types.js';
import { type ResponseWriter, ResponseWriterWrapper } from '../../core/response.js';
import { compileResponseMatcher, type ResponseMatcher } from '../../core/response_matcher.js';
import { detectContentType } from '../../go/sniff.js';

/** What one response's writer needs. */
interface WriterConfig {
  name: string;
  factory: EncoderFactory;
  minLength: number;
  match: ResponseMatcher;
}

type Cb = (err?: Error | null) => void;

function noTransform(v: unknown): boolean {
  if (v === undefined) return false;
  return (Array.isArray(v) ? String(v[0] ?? '') : String(v)).includes('no-transform');
}

function hasVary(w: ResponseWriter, target: string): boolean {
  const v = w.getHeader('vary');
  if (v === undefined) return false;
  const lines = Array.isArray(v) ? v : [String(v)];
  return lines.some((line) => line.split(',').some((x) => x.trim().toLowerCase() === target));
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Wraps the response (as ctx.w) from the moment encode runs until the
 * handlers after it have returned (Caddy's encode responseWriter).
 */
class EncodingWriter extends ResponseWriterWrapper {
  private status = 0;
  private message: string | undefined;
  private mode: 'pending' | 'identity' | 'encode' = 'pending';
  private held: Buffer[] = [];
  private heldBytes = 0;
  private encoder: Transform | null = null;
  private stream = false;
  private ended = false;
  private touched = false;
  /** The last write was refused by the compressor (not by the writer below): its 'drain' is the one to wait for. */
  private encoderFull = false;
  /** Whether the compressor's end also ends the response (not when the handlers never ended it). */
  private endResponse = true;
  private endCb: (() => void) | undefined;
  private done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    w: ResponseWriter,
    private readonly cfg: WriterConfig,
  ) {
    super(w);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  override writeHead(status: number, message?: string): void {
    if (this.mode !== 'pending' || (status >= 100 && status <= 199)) {
      this.w.writeHead(status, message);
      return;
    }
    // Like Caddy's encoder, remember the status; the head goes out once we know whether to encode.
    this.touched = true;
    this.message = message;
    this.status = status;
    this.w.statusCode = status;
  }

  override write(chunk: Uint8Array | string, cb?: Cb): boolean {
    if (this.ended) return this.w.write(chunk, cb);
    this.touched = true;
    const buf = toBuffer(chunk);
    if (buf.length === 0) {
      if (cb) process.nextTick(cb);
      return true;
    }
    if (this.mode === 'pending') {
      this.held.push(buf);
      this.heldBytes += buf.length;
      if (!this.decide(false)) {
        if (cb) process.nextTick(cb);
        return true;
      }
      return this.release(cb);
    }
    if (this.mode === 'identity') return this.w.write(buf, cb);
    return this.compress(buf, cb);
  }

  override onceDrain(cb: () => void): void {
    if (this.encoderFull) this.encoder!.once('drain', cb);
    else this.w.onceDrain(cb);
  }

  override end(chunk?: Uint8Array | string, cb?: () => void): void {
    const { w } = this;
    if (this.ended) {
      if (cb) process.nextTick(cb);
      return;
    }
    this.ended = true;
    this.touched = true;
    const last = chunk === undefined ? null : toBuffer(chunk);
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
        w.statusCode = this.status || w.statusCode;
        if (this.message !== undefined) w.statusMessage = this.message;
        w.end(body, cb);
        this.resolveDone();
        return;
      }
      this.commitHead();
      for (const b of this.held) this.encoder!.write(b);
      this.held = [];
    }
    if (this.mode === 'identity') {
      w.end(last !== null && last.length > 0 ? last : undefined, cb);
      this.resolveDone();
      return;
    }
    this.endCb = cb;
    this.encoder!.end();
  }

  /** Go's Flusher: before the decision there is nothing to send yet (Caddy holds the head back too). */
  override flush(): void {
    if (this.mode === 'pending') {
      if (!this.ended) {
        this.touched = true;
        this.status ||= this.w.statusCode;
      }
      return;
    }
    if (this.mode === 'encode') (this.encoder as unknown as { flush(): void }).flush();
    this.w.flush();
  }

  /**
   * Decides identity or encoding, if enough is known; `final` = the body is
   * complete. Returns false while still undecided (bytes held back).
   */
  private decide(final: boolean): boolean {
    if (this.mode !== 'pending') return true;
    const { w, cfg } = this;
    const status = this.status || w.statusCode;
    let encode = false;
    if (status >= 200 && status !== 204 && status !== 304) {
      const cl = w.getHeader('content-length');
      const declared = cl === undefined ? NaN : Number(Array.isArray(cl) ? cl[0] : cl);
      const type = String(w.getHeader('content-type') ?? '');
      this.stream = type.startsWith('text/event-stream');
      let longEnough: boolean;
      if (Number.isInteger(declared) && declared >= 0) longEnough = declared > cfg.minLength;
      else if (this.heldBytes > cfg.minLength) longEnough = true;
      else if (final || this.stream) longEnough = false;
      else return false;
      if (longEnough) {
        if (!w.hasHeader('content-type') && this.heldBytes > 0) w.setHeader('Content-Type', detectContentType(Buffer.concat(this.held)));
        encode = !w.hasHeader('content-encoding') && !noTransform(w.getHeader('cache-control')) && cfg.match(status, w);
      }
    }
    this.mode = encode ? 'encode' : 'identity';
    if (encode) this.startEncoder();
    return true;
  }

  private startEncoder(): void {
    const { w, cfg } = this;
    w.removeHeader('Content-Length');
    w.setHeader('Content-Encoding', cfg.name);
    if (!hasVary(w, 'accept-encoding')) w.appendHeader('Vary', 'Accept-Encoding');
    w.removeHeader('Accept-Ranges');
    const etag = w.getHeader('etag');
    if (typeof etag === 'string' && etag !== '' && !etag.startsWith('W/')) w.setHeader('ETag', 'W/' + etag);

    const enc = cfg.factory();
    this.encoder = enc;
    enc.on('data', (d: Buffer) => {
      if (!w.write(d)) {
        enc.pause();
        w.onceDrain(() => enc.resume());
      }
    });
    enc.on('end', () => {
      if (this.endResponse) w.end(undefined, this.endCb);
      this.resolveDone();
    });
    enc.on('error', (err) => {
      w.destroy(err);
      this.resolveDone();
    });
  }

  /** Writes the head as decided, through whatever wraps the response outside us. */
  private commitHead(): void {
    const { w } = this;
    if (w.headersSent) return;
    w.writeHead(this.status || w.statusCode, this.message);
  }

  /** After the decision: the head, then what was held back. */
  private release(cb: Cb | undefined): boolean {
    this.commitHead();
    const held = Buffer.concat(this.held);
    this.held = [];
    this.heldBytes = 0;
    if (this.mode === 'identity') return this.w.write(held, cb);
    return this.compress(held, cb);
  }

  private compress(buf: Buffer, cb: Cb | undefined): boolean {
    const enc = this.encoder!;
    const ok = enc.write(buf, cb);
    // Server-sent events must reach the client as they happen.
    if (this.stream) (enc as unknown as { flush(): void }).flush();
    this.encoderFull = !ok;
    if (!ok) enc.once('drain', () => (this.encoderFull = false));
    return ok;
  }

  /**
   * The handlers after encode have returned: finish what they started, so
   * that error routes and the server write to the response directly once
   * the caller puts the previous writer back (Caddy's deferred Close).
   */
  async finish(): Promise<void> {
    if (!this.touched || this.ended) {
      if (this.ended) await this.done;
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
    } else if (!this.w.headersSent) {
      this.commitHead();
    }
  }
}

function provision(config: Encode): Handler {
  const encoders = compileEncoders(config.encoders);
  const { prefer, minLength } = config;
  const match = compileResponseMatcher(config.match, 'match');

  return async (ctx, next) => {
    const { req } = ctx;
    // HEAD goes through too: its head must be the one GET gets (Caddy decides it from the
    // Content-Length when nothing is written); Node drops the compressor's bytes itself.
    if (noTransform(req.headers['cache-control'])) return next();
    const ae = req.headers['accept-encoding'];
    const ws = req.headers['sec-websocket-key'];
    let chosen: string | undefined;
    for (const name of acceptedEncodings(Array.isArray(ae) ? ae.join(',') : ae, typeof ws === 'string' ? ws : undefined, prefer)) {
      if (encoders.has(name)) {
        chosen = name;
        break;
      }
    }
    if (chosen === undefined) return next();
    const w = ctx.w;
    const writer = new EncodingWriter(w, { name: chosen, factory: encoders.get(chosen)!, minLength, match });
    ctx.w = writer;
    try {
      await next();
    } finally {
      ctx.w = w;
      await writer.finish();
    }
  };
}

export const encodeHandler = handlerModule('encode', { decode: decodeEncode, provision });
