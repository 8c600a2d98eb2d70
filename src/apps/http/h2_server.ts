/**
 * HTTP/2 for one listener: a node:http2 server that never listens itself.
 * The listener hands it finished TLS sockets that negotiated h2, and plain
 * sockets that opened with the h2c preface; each stream becomes an
 * H2Request + H2ResponseWriter for the listener's current Server, so the
 * routes run exactly as for HTTP/1.1.
 *
 * The limits are Go's http2 server defaults (what Caddy serves with), and
 * nghttp2's protections cover the floods:
 *   - 250 concurrent streams per connection; more are refused (RST_STREAM);
 *   - header lists up to max_header_size + 320 bytes (Go's MaxHeaderBytes +
 *     10 × 32): a stream over it is reset (ENHANCE_YOUR_CALM); a header block
 *     spread over more than nghttp2's CONTINUATION allowance, or one field
 *     over 64 KiB, ends the connection (GOAWAY);
 *   - rapid reset (CVE-2023-44487): more than `streamResetBurst` client
 *     resets, refilled at `streamResetRate` per second, end the connection;
 *   - SETTINGS/PING floods: outstanding ACKs are bounded by nghttp2, SETTINGS
 *     frames carry at most 32 entries;
 *   - requests with connection-specific fields, a TE other than "trailers",
 *     or a content-length their DATA disagrees with: the stream is reset
 *     with PROTOCOL_ERROR (nghttp2's HTTP messaging rules, as Go's).
 * Each acts on the one stream or connection; nothing else notices.
 */
import { constants, createServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { H2Request } from './h2_request.js';
import { H2ResponseWriter, type H2Pusher } from './h2_response.js';
import type { Server, ServerLimits } from './server.js';

/** Go's http2 server defaults (x/net/http2/server.go). */
export const h2Defaults = {
  maxConcurrentStreams: 250,
  /** Per stream and per connection receive windows (initialStreamRecvWindowSize / initialConnRecvWindowSize). */
  windowSize: 1 << 20,
  /** Go's per-field overhead × typical field count added to MaxHeaderBytes. */
  headerListOverhead: 10 * 32,
  /** node:http2's rapid-reset limiter: a burst of resets, then this many per second. */
  streamResetBurst: 1000,
  streamResetRate: 33,
};

function settingsFor(limits: ServerLimits) {
  return {
    maxConcurrentStreams: h2Defaults.maxConcurrentStreams,
    maxHeaderListSize: limits.maxHeaderSize + h2Defaults.headerListOverhead,
    initialWindowSize: h2Defaults.windowSize,
  };
}

function ignore(): void {}

/**
 * Fields a promised request may not carry (Go's responseWriter.Push and
 * checkValidHTTP2RequestHeaders): body framing it cannot have, Host (the
 * authority is the pseudo-header), connection-specific fields.
 */
const NOT_PUSHABLE = new Set(['content-length', 'content-encoding', 'trailer', 'te', 'expect', 'host', 'connection', 'proxy-connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

export class H2Front implements H2Pusher {
  private readonly h2: Http2Server;
  private readonly sessions = new Set<ServerHttp2Session>();
  /** The socket being handed over, for the 'session' event that follows synchronously. */
  private incoming: Socket | null = null;
  private limits: ServerLimits;

  constructor(private readonly target: () => Server) {
    this.limits = target().limits;
    this.h2 = createServer({
      settings: settingsFor(this.limits),
      // Go has no count limit, only the list size; node's default (128) would refuse ordinary big requests.
      maxHeaderListPairs: 4096,
      streamResetBurst: h2Defaults.streamResetBurst,
      streamResetRate: h2Defaults.streamResetRate,
    });
    this.h2.on('session', (session: ServerHttp2Session) => this.onSession(session));
    // Session and stream errors are the client's problem; each ends only its own session or stream.
    this.h2.on('sessionError', ignore);
  }

  /** New connections get the limits of the server the listener now points at. */
  retarget(limits: ServerLimits): void {
    if (limits.maxHeaderSize === this.limits.maxHeaderSize) {
      this.limits = limits;
      return;
    }
    this.limits = limits;
    this.h2.updateSettings(settingsFor(limits));
  }

  /** Serves HTTP/2 on a socket (TLS with ALPN h2, or plain with the h2c preface, unread). */
  serve(socket: Socket): void {
    this.incoming = socket;
    try {
      this.h2.emit('connection', socket);
    } finally {
      this.incoming = null;
    }
  }

  private onSession(session: ServerHttp2Session): void {
    const socket = this.incoming;
    if (socket === null) {
      session.destroy();
      return;
    }
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    session.on('error', ignore);
    // The session's native handle exists once it is set up (the next tick).
    session.once('connect', () => session.setLocalWindowSize(h2Defaults.windowSize));
    const idle = this.limits.idleTimeout;
    if (idle > 0) session.setTimeout(idle, () => session.close());
    session.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, raw: string[]) => {
      const server = this.target();
      const req = new H2Request(stream, headers, raw, socket, (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0);
      const w = new H2ResponseWriter(stream, server.countsBody, req.method === 'HEAD', headers.te !== undefined, this, req);
      server.handle(req.asIncoming(), w);
    });
  }

  /**
   * Server push (Go's http2 responseWriter.Push and startPush): a
   * PUSH_PROMISE on `parent` for a GET or HEAD of `target` on the origin's
   * scheme and authority, whose request then runs through the current
   * Server like any other, on the same connection (same client address and
   * TLS state). Nested pushes and clients that disabled push are refused.
   */
  push(parent: ServerHttp2Stream, origin: H2Request, method: string, target: string, headers: Readonly<Record<string, string | readonly string[]>>): boolean {
    if (method !== 'GET' && method !== 'HEAD') return false;
    if (parent.destroyed || parent.closed || !parent.pushAllowed) return false;
    const socket = origin.socket;
    const scheme = (socket as TLSSocket).encrypted === true ? 'https' : 'http';
    let authority = origin.headers.host ?? '';
    let path = target;
    if (!target.startsWith('/')) {
      // An absolute URL must keep the parent's scheme (RFC 9113 §8.4).
      let u: URL;
      try {
        u = new URL(target);
      } catch {
        return false;
      }
      if (u.protocol !== `${scheme}:` || u.host === '') return false;
      authority = u.host;
      path = u.pathname + u.search;
    }
    const fields: Record<string, string | string[]> = { ':method': method, ':path': path, ':scheme': scheme, ':authority': authority };
    const raw: string[] = [':method', method, ':path', path, ':scheme', scheme, ':authority', authority];
    for (const name in headers) {
      const lower = name.toLowerCase();
      if (lower.charCodeAt(0) === 58 /* ':' */ || NOT_PUSHABLE.has(lower)) return false;
      const v = headers[name]!;
      const values = typeof v === 'string' ? [v] : [...v];
      fields[lower] = values.length === 1 ? values[0]! : values;
      for (const one of values) raw.push(lower, one);
    }
    try {
      parent.pushStream(fields, (err, pushed) => {
        // Out of streams, or the connection went: the promise was never made.
        if (err) return;
        pushed.on('error', ignore);
        const server = this.target();
        const req = new H2Request(pushed, fields, raw, socket, true);
        server.handle(req.asIncoming(), new H2ResponseWriter(pushed, server.countsBody, method === 'HEAD', false, this, req));
      });
    } catch {
      // node:http2 throws for a nested push or a client that disabled push since.
      return false;
    }
    return true;
  }

  /** Asks every connection to finish (GOAWAY; open streams complete). */
  drain(): void {
    for (const s of this.sessions) if (!s.closed) s.close();
  }

  /** Cuts whatever is left. */
  destroyAll(): void {
    for (const s of this.sessions) s.destroy();
  }
}
