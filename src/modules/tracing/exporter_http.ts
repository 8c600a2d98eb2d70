/**
 * OTLP/HTTP with protobuf bodies (otlptracehttp): POST to the traces URL,
 * Content-Type application/x-protobuf, the configured headers, gzip when
 * asked; any 2xx is success. Connections are kept alive between batches.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { OTLPSettings } from './env.js';
import { type Describe, encodeBatch, type SpanExporter } from './exporter.js';

export function httpExporter(s: OTLPSettings, d: Describe, userAgent: string): SpanExporter {
  const tls = s.url.protocol === 'https:';
  const agent = tls ? new HttpsAgent({ keepAlive: true, ca: s.ca, cert: s.cert, key: s.key }) : new HttpAgent({ keepAlive: true });
  const send = tls ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { 'Content-Type': 'application/x-protobuf', 'User-Agent': userAgent };
  for (const [k, v] of s.headers) headers[k] = v;
  if (s.gzip) headers['Content-Encoding'] = 'gzip';
  let closed = false;
  return {
    async export(spans) {
      if (closed) throw new Error('exporter is shut down');
      const body = await encodeBatch(d, spans, s.gzip);
      await new Promise<void>((resolve, reject) => {
        const req = send(s.url, { method: 'POST', agent, headers: { ...headers, 'Content-Length': String(body.length) }, timeout: s.timeoutMs }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            if (size < 4096) chunks.push(c);
            size += c.length;
          });
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve();
            const text = Buffer.concat(chunks).toString('utf8').slice(0, 512);
            reject(new Error(`traces export: ${s.url.href} responded with HTTP status ${status}${text === '' ? '' : `: ${text}`}`));
          });
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`traces export: ${s.url.href}: timed out after ${s.timeoutMs} ms`)));
        req.on('error', (err) => reject(new Error(`traces export: ${err.message}`)));
        req.end(body);
      });
    },
    async shutdown() {
      closed = true;
      agent.destroy();
    },
  };
}
