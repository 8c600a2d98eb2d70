/**
 * OTLP/gRPC (otlptracegrpc) over node:http2: one unary call of
 * opentelemetry.proto.collector.trace.v1.TraceService/Export per batch, the
 * message in gRPC's length-prefixed frame (compressed with grpc-encoding
 * gzip when asked), success when grpc-status is 0. One session, opened on
 * the first export and again after it closes; it never keeps the process
 * alive on its own.
 */
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import type { OTLPSettings } from './env.js';
import { type Describe, encodeBatch, type SpanExporter } from './exporter.js';

const METHOD = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** gRPC's status names, for the error line. */
const CODES = ['OK', 'CANCELED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];

export function grpcExporter(s: OTLPSettings, d: Describe, userAgent: string): SpanExporter {
  const origin = `${s.url.protocol}//${s.url.host}`;
  const path = `${s.url.pathname === '/' ? '' : s.url.pathname.replace(/\/+$/, '')}${METHOD}`;
  const extra: Record<string, string> = {};
  for (const [k, v] of s.headers) extra[k.toLowerCase()] = v;
  let session: ClientHttp2Session | null = null;
  let closed = false;

  const open = (): ClientHttp2Session => {
    if (session !== null && !session.closed && !session.destroyed) return session;
    const sess = connect(origin, { ca: s.ca, cert: s.cert, key: s.key, ALPNProtocols: ['h2'] });
    sess.on('error', () => {}); // reported by the stream that was using it
    sess.on('close', () => {
      if (session === sess) session = null;
    });
    sess.unref();
    session = sess;
    return sess;
  };

  return {
    async export(spans) {
      if (closed) throw new Error('exporter is shut down');
      const msg = await encodeBatch(d, spans, s.gzip);
      const frame = Buffer.alloc(5 + msg.length);
      frame[0] = s.gzip ? 1 : 0;
      frame.writeUInt32BE(msg.length, 1);
      msg.copy(frame, 5);
      const sess = open();
      await new Promise<void>((resolve, reject) => {
        const stream = sess.request({
          ':method': 'POST',
          ':path': path,
          'content-type': 'application/grpc',
          te: 'trailers',
          'user-agent': userAgent,
          'grpc-timeout': `${s.timeoutMs}m`,
          ...(s.gzip ? { 'grpc-encoding': 'gzip', 'grpc-accept-encoding': 'gzip' } : {}),
          ...extra,
        });
        let status: string | undefined;
        let message = '';
        let httpStatus = 0;
        const timer = setTimeout(() => stream.close(constants.NGHTTP2_CANCEL), s.timeoutMs);
        const take = (h: Record<string, unknown>) => {
          if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
          if (h['grpc-message'] !== undefined) message = decodeURIComponent(String(h['grpc-message']));
        };
        stream.on('response', (h) => {
          httpStatus = Number(h[':status']);
          take(h);
        });
        stream.on('trailers', take);
        stream.on('data', () => {});
        stream.on('error', (err) => {
          clearTimeout(timer);
          reject(new Error(`traces export: ${err.message}`));
        });
        stream.on('close', () => {
          clearTimeout(timer);
          if (status === '0') return resolve();
          if (status !== undefined) {
            const code = CODES[Number(status)] ?? status;
            return reject(new Error(`traces export: rpc error: code = ${code} desc = ${message}`));
          }
          reject(new Error(httpStatus !== 0 ? `traces export: ${origin}: HTTP status ${httpStatus} without grpc-status` : `traces export: ${origin}: stream closed (timed out after ${s.timeoutMs} ms or reset)`));
        });
        stream.end(frame);
      });
    },
    async shutdown() {
      closed = true;
      session?.close();
      session = null;
    },
  };
}
