/**
 * The fastcgi transport (Caddy's fastcgi.Transport): one connection per
 * request (keep-alive off, as Caddy's client asks), over TCP or a unix
 * socket. The request body streams into STDIN records with backpressure
 * (a body of unknown length is read first to learn its CONTENT_LENGTH, up
 * to request_buffers or Caddy's default 4 KiB, and refused with 411 beyond);
 * STDOUT's CGI head becomes the response head, the rest streams to the
 * client with backpressure and without waiting for the end; STDERR is kept
 * only with capture_stderr and logged once the response is done (error for
 * a status >= 400, warn otherwise). Deadlines are Go's: dial_timeout for the
 * connect, read_timeout / write_timeout counted from the connection for the
 * whole response / request body.
 *
 * The reverse_proxy handler calls `attempt` for each try instead of its
 * HTTP round trip; selection, retries and placeholders stay the handler's.
 */
import { connect, type Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { CompiledHeaderOps } from '../../../core/header_ops.js';
import type { EngineLog } from '../../../core/log.js';
import { AbortRequest } from '../../../core/errors.js';
import { HandlerError, type Ctx } from '../../../core/types.js';
import { goErrnoText } from '../../../go/errno.js';
import { goDuration } from '../../../go/fmt.js';
import { detectContentType } from '../../../go/sniff.js';
import { HeaderMap } from '../header_map.js';
import { removeHopHeaders } from '../hop.js';
import type { PassiveHealth } from '../passive_health.js';
import type { PreparedRequest } from '../request.js';
import { DialError, UpstreamTimeout } from '../transport.js';
import type { Upstream } from '../upstreams.js';
import { ClientBodyError } from '../body_pipe.js';
import { HeadReader, type CGIHead } from './cgi_head.js';
import type { FastCGISettings } from './config.js';
import { compileEnv, splitTarget, type EnvBuilder } from './env.js';
import { encodeRequest, FCGI_STDIN, MAX_CONTENT, padding, RecordParser, recordHeader } from './records.js';

/** Caddy's DefaultBufferSizes for this transport: request bodies of unknown length are buffered up to this. */
const REQUEST_BUFFER = 4096;
/** Captured STDERR beyond this is dropped (Caddy keeps it all; one runaway script should not hold the memory). */
const MAX_STDERR = 1 << 20;
const LOGGER = 'http.reverse_proxy.transport.fastcgi';
const EMPTY_STDIN = recordHeader(FCGI_STDIN, 0);

/** What the handler decided at load and the transport applies per try. */
export interface ProxyHooks {
  headerUp: CompiledHeaderOps | null;
  headerDown: CompiledHeaderOps | null;
  health: PassiveHealth;
  /** request_buffers (0: unset): the handler has read that much of the body already. */
  requestBuffers: number;
}

/** Bodies of unknown length read once per request, kept for a retry on another upstream. */
const buffered = new WeakMap<IncomingMessage, Buffer>();

/** A reader before us failed the body (request_body's max_size: 413): the client's answer, not the upstream's fault. */
function bodyError(err: Error): Error {
  return err instanceof HandlerError ? new ClientBodyError(err) : err;
}

function readSmallBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const had = buffered.get(req);
  if (had !== undefined) return Promise.resolve(had);
  if (req.errored !== null) return Promise.reject(bodyError(req.errored));
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const done = (v: Buffer | null) => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
      if (v !== null) buffered.set(req, v);
      resolve(v);
    };
    const onData = (c: Buffer) => {
      parts.push(c);
      size += c.length;
      if (limit >= 0 && size > limit) {
        req.pause();
        done(null);
      }
    };
    const onEnd = () => done(Buffer.concat(parts));
    const onError = (e: Error) => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
      reject(bodyError(e));
    };
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** Writes one chunk as STDIN records; false when the socket wants the writer to wait. */
function writeStdin(sock: Socket, chunk: Buffer): boolean {
  let ok = true;
  sock.cork();
  for (let off = 0; off < chunk.length; off += MAX_CONTENT) {
    const part = chunk.subarray(off, Math.min(off + MAX_CONTENT, chunk.length));
    sock.write(recordHeader(FCGI_STDIN, part.length));
    ok = sock.write(part);
    const pad = padding(part.length);
    if (pad !== null) ok = sock.write(pad);
  }
  sock.uncork();
  return ok;
}

function loggableRequest(ctx: Ctx): Record<string, unknown> {
  return { remote_ip: ctx.remoteIP, remote_port: String(ctx.remotePort), client_ip: ctx.clientIP, proto: ctx.proto, method: ctx.method, host: ctx.hostport, uri: ctx.origURI };
}

export class FastCGITransport {
  private readonly env: EnvBuilder;

  constructor(
    private readonly cfg: FastCGISettings,
    private readonly hooks: ProxyHooks,
    private readonly log: EngineLog | undefined,
  ) {
    this.env = compileEnv(cfg);
  }

  /**
   * One try against `u`: resolves once the client has the whole response;
   * rejects before the head is out with an error the handler may retry
   * (DialError: nothing was sent) or answers with (502/504), after it with
   * the reason the connection is cut.
   */
  async attempt(ctx: Ctx, u: Upstream, prep: PreparedRequest, buffered: Buffer | null): Promise<void> {
    if (ctx.path.includes('\0')) throw new HandlerError(400, 'invalid request path');
    const h = prep.headers.clone();
    if (h.get('host') === undefined) h.set('Host', [u.hostport]);
    this.hooks.headerUp?.apply(h, ctx.repl);

    const method = prep.method;
    const noBody = method === 'HEAD' || method === 'OPTIONS';
    // request_buffers: the handler read the body whole already.
    let body = buffered;
    let length = body !== null ? body.length : Number(h.first('content-length') ?? '0');
    if (body === null && !noBody && prep.hasBody && h.get('content-length') === undefined) {
      // Chunked: FastCGI needs CONTENT_LENGTH up front, so the body is read first, up to Caddy's default request buffer.
      const limit = this.hooks.requestBuffers !== 0 ? this.hooks.requestBuffers : REQUEST_BUFFER;
      if (this.hooks.requestBuffers === 0) body = await readSmallBody(ctx.req, limit);
      if (body === null) throw new HandlerError(411, `fastcgi: a request body of unknown length larger than ${limit} bytes needs a Content-Length (or a larger request_buffers)`);
      length = body.length;
    }
    if (!Number.isSafeInteger(length) || length < 0) throw new HandlerError(411, 'fastcgi: invalid Content-Length');
    const [path, query] = splitTarget(prep.path);
    let params: Map<string, string>;
    try {
      params = this.env.build(ctx, path, query, h);
    } catch (e) {
      throw new Error(`building environment: ${(e as Error).message}`, { cause: e });
    }
    if (noBody) {
      params.set('REQUEST_METHOD', method);
      params.set('CONTENT_LENGTH', '0');
    } else if (method === 'GET') {
      params.set('REQUEST_METHOD', 'GET');
      params.set('CONTENT_LENGTH', String(length));
    } else {
      params.set('REQUEST_METHOD', method.toUpperCase());
      params.set('CONTENT_LENGTH', String(length));
      params.set('CONTENT_TYPE', h.first('content-type') || 'application/x-www-form-urlencoded');
    }
    const streamBody = !noBody && body === null && length > 0;
    if (noBody || length === 0) body = null;

    u.inflight++;
    try {
      await this.exchange(ctx, u, encodeRequest(params, body === null && !streamBody), body, streamBody);
    } finally {
      u.inflight--;
    }
  }

  /** `start`: BEGIN_REQUEST and PARAMS, and the end of STDIN when there is no body. */
  private exchange(ctx: Ctx, u: Upstream, start: Buffer, body: Buffer | null, streamBody: boolean): Promise<void> {
    const { cfg, hooks } = this;
    const { w, req } = ctx;
    const addr = u.addr;
    const network = addr.network === 'unix' ? 'unix' : 'tcp';
    const where = addr.network === 'unix' ? addr.path : u.hostport;
    const sent = process.hrtime.bigint();

    return new Promise<void>((resolve, reject) => {
      const sock = addr.network === 'unix' ? connect({ path: addr.path }) : connect({ host: addr.host === '' ? 'localhost' : addr.host, port: Number(addr.port) });
      let connected = false;
      let settled = false;
      let head: CGIHead | null = null;
      let headOnly = false;
      let sniff = false;
      /** Body bytes of the current read while the head has not gone out (null once it has). */
      let held: Buffer[] | null = null;
      let lengthKnown = false;
      let stderr: Buffer[] | null = cfg.captureStderr ? [] : null;
      let stderrSize = 0;
      const heads = new HeadReader();
      // Caddy wraps the dial error as text, so a dial timeout is a 502 here, not the http transport's 504.
      let dialTimer: NodeJS.Timeout | undefined = setTimeout(() => fail(new DialError(`dialing backend: dial ${network} ${where}: i/o timeout`)), cfg.dialTimeout);
      let readTimer: NodeJS.Timeout | undefined;
      let writeTimer: NodeJS.Timeout | undefined;

      const clearTimers = () => {
        clearTimeout(dialTimer);
        clearTimeout(readTimer);
        clearTimeout(writeTimer);
        dialTimer = readTimer = writeTimer = undefined;
      };
      const cleanup = () => {
        clearTimers();
        w.offClose(onClientGone);
        if (streamBody) {
          req.off('data', onBody).off('end', onBodyEnd).off('error', onBodyError);
        }
        sock.destroy();
      };
      function fail(err: Error): void {
        if (settled) return;
        settled = true;
        cleanup();
        logStderr();
        reject(err);
      }
      const succeed = () => {
        if (settled) return;
        settled = true;
        cleanup();
        logStderr();
        resolve();
      };
      const logStderr = () => {
        if (stderr === null || stderrSize === 0 || this.log === undefined) return;
        const status = head?.status ?? 0;
        this.log(status >= 400 ? 'error' : 'warn', LOGGER, 'stderr', { request: loggableRequest(ctx), body: Buffer.concat(stderr).toString('utf8') });
        stderr = null;
      };
      const onClientGone = () => {
        if (!w.writableFinished) fail(new AbortRequest());
      };
      w.onClose(onClientGone);

      // The request body, only once connected: a failed dial consumed none of it.
      const onBody = (chunk: Buffer) => {
        if (!writeStdin(sock, chunk)) {
          req.pause();
          sock.once('drain', () => req.resume());
        }
      };
      const onBodyEnd = () => endStdin();
      // The client going away is onClientGone's business; a failed body ends the try at once.
      const onBodyError = (err: Error) => {
        if (err instanceof HandlerError) fail(bodyError(err));
      };
      const inputSent = () => {
        clearTimeout(writeTimer);
        writeTimer = undefined;
      };
      const endStdin = () => void sock.write(EMPTY_STDIN, inputSent);

      sock.on('connect', () => {
        connected = true;
        clearTimeout(dialTimer);
        dialTimer = undefined;
        if (cfg.readTimeout > 0) readTimer = setTimeout(() => fail(new UpstreamTimeout(`read ${network} ${where}: i/o timeout`)), cfg.readTimeout);
        if (cfg.writeTimeout > 0) writeTimer = setTimeout(() => fail(new UpstreamTimeout(`write ${network} ${where}: i/o timeout`)), cfg.writeTimeout);
        if (body === null && !streamBody) {
          // The whole request in one write.
          sock.write(start, inputSent);
          return;
        }
        sock.cork();
        sock.write(start);
        if (body !== null) {
          writeStdin(sock, body);
          endStdin();
        }
        sock.uncork();
        if (streamBody) {
          if (req.errored !== null) return onBodyError(req.errored);
          // Already read to the end by someone else: nothing more will come.
          if (req.readableEnded) return endStdin();
          req.on('data', onBody).on('end', onBodyEnd).on('error', onBodyError);
          req.resume();
        }
      });

      const startResponse = (hd: CGIHead) => {
        head = hd;
        const latency = process.hrtime.bigint() - sent;
        const { repl } = ctx;
        repl.set('http.reverse_proxy.latency', goDuration(latency));
        repl.set('http.reverse_proxy.latency_ms', Number(latency) / 1e6);
        hooks.health.judge(u, hd.status, Number(latency) / 1e6);
        const out = new HeaderMap();
        for (const [k, v] of hd.fields) out.add(k, v);
        removeHopHeaders(out);
        repl.set('http.reverse_proxy.status_code', hd.status);
        repl.set('http.reverse_proxy.status_text', hd.statusText);
        for (const [name, values] of out.entries()) repl.set(`http.reverse_proxy.header.${name}`, values.join(','));
        hooks.headerDown?.apply(out, repl);
        for (const [name, values] of out.entries()) for (const v of values) w.appendHeader(name, v);
        w.statusCode = hd.status;
        headOnly = ctx.method === 'HEAD' || hd.status === 204 || hd.status === 304;
        // Go's ResponseWriter names a missing Content-Type from the first bytes, so Caddy's clients get one.
        sniff = out.get('content-type') === undefined && out.get('content-encoding') === undefined;
        // The head waits for the end of this read: a response that is complete by then gets a Content-Length, as Go gives one.
        held = [];
        lengthKnown = out.get('content-length') !== undefined;
      };

      const writeBody = (chunk: Buffer) => {
        if (headOnly || chunk.length === 0) return;
        if (held !== null) {
          held.push(chunk);
          return;
        }
        send(chunk);
      };
      const send = (chunk: Buffer) => {
        if (sniff) {
          sniff = false;
          if (!w.headersSent && !w.hasHeader('content-type')) w.setHeader('Content-Type', detectContentType(chunk));
        }
        if (!w.write(chunk)) {
          sock.pause();
          w.onceDrain(() => sock.resume());
        }
      };

      const parser = new RecordParser({
        stdout: (chunk) => {
          if (settled) return;
          if (head !== null) return writeBody(chunk);
          let got: ReturnType<HeadReader['push']>;
          try {
            got = heads.push(chunk);
          } catch (e) {
            return fail(e as Error);
          }
          if (got === null) return;
          try {
            startResponse(got.head);
          } catch (e) {
            return fail(e as Error);
          }
          writeBody(got.rest);
        },
        stderr: (chunk) => {
          if (stderr === null || stderrSize >= MAX_STDERR) return;
          stderr.push(Buffer.from(chunk));
          stderrSize += chunk.length;
        },
        end: () => {
          if (settled) return;
          if (head === null) {
            try {
              startResponse(heads.finish());
            } catch (e) {
              return fail(e as Error);
            }
          }
          if (held !== null) {
            const body = held.length === 1 ? held[0]! : Buffer.concat(held);
            held = null;
            if (!lengthKnown && !headOnly) w.setHeader('Content-Length', String(body.length));
            if (body.length > 0) send(body);
          }
          w.end();
          succeed();
        },
        malformed: (message) => fail(new Error(message)),
      });
      sock.on('data', (chunk: Buffer) => {
        parser.push(chunk);
        // More is to come: what this read brought goes out now, the head at least (Caddy flushes a response of unknown length as it comes).
        if (held !== null && !settled) {
          const waiting = held;
          held = null;
          if (waiting.length === 0) w.flush();
          else for (const c of waiting) send(c);
        }
      });
      sock.on('error', (err: NodeJS.ErrnoException) => {
        if (!connected) fail(new DialError(`dialing backend: dial ${network} ${where}: ${goErrnoText(err.code) ?? err.message}`));
        else fail(new Error(`${network} ${where}: ${goErrnoText(err.code) ?? err.message}`));
      });
      sock.on('close', () => fail(new Error(head === null ? 'fastcgi: the upstream closed the connection before a response' : 'reading from upstream: unexpected EOF')));
    });
  }
}
