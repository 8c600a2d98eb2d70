// request_body `set` (newer Caddy): the body the handlers after it read is
// the placeholder-expanded string, with its Content-Length; a real upstream
// behind reverse_proxy receives it over HTTP/1.1 and HTTP/2 (h2c), whatever
// the client sent (a Content-Length body, a chunked one, a big one still
// arriving, none), and the client's connection stays usable.
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, site, type Site } from '../../support/client.js';
import { backend, type Backend } from '../reverse_proxy/backends.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let up: Backend;
let s: Site;
const seen: Seen[] = [];

beforeAll(async () => {
  up = await backend((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(rec);
      res.end(`upstream got ${rec.body.length} bytes`);
    });
  });
  const proxy = { handler: 'reverse_proxy', upstreams: [{ dial: up.dial }] };
  s = await site(
    [
      { match: [{ path: ['/json'] }], handle: [{ handler: 'request_body', set: 'path={http.request.uri.path} who={http.request.header.X-Who} none={unknown.placeholder}' }, proxy] },
      // Braces that are not placeholders are escaped, as in Caddy.
      { match: [{ path: ['/escaped'] }], handle: [{ handler: 'request_body', set: '\\{"who":"{http.request.header.X-Who}"\\}' }, proxy] },
      { match: [{ path: ['/limited'] }], handle: [{ handler: 'request_body', set: 'twelve bytes', max_size: 11 }, proxy] },
      { match: [{ path: ['/empty'] }], handle: [{ handler: 'request_body', set: '{http.request.header.X-Absent}' }, proxy] },
    ],
    { protocols: ['h1', 'h2c'], errors: { routes: [{ handle: [{ handler: 'static_response', body: '{http.error.status_code} {http.error.message}' }] }] } },
  );
});
afterAll(async () => {
  await s?.stop();
  await up?.close();
});

const expected = 'path=/json who=ann none=';

describe('request_body set over HTTP/1.1', () => {
  it('replaces a Content-Length body; the upstream gets the new body and its length', async () => {
    seen.length = 0;
    const r = await send(s.port, '/json', { method: 'POST', headers: { 'X-Who': 'ann', 'Content-Type': 'text/plain' }, body: 'the original body, longer than the new one by a good margin' });
    expect(r.status).toBe(200);
    expect(r.text).toBe(`upstream got ${expected.length} bytes`);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toBe(expected);
    expect(seen[0]!.headers['content-length']).toBe(String(expected.length));
    expect(seen[0]!.headers['content-type']).toBe('text/plain');
  });

  it('replaces a chunked body still arriving: no Transfer-Encoding upstream, the new length instead', async () => {
    seen.length = 0;
    const r = await send(s.port, '/json', { method: 'POST', headers: { 'X-Who': 'ann', 'Transfer-Encoding': 'chunked' }, body: ['slow ', 'chunks ', 'of the original'], gapMs: 50 });
    expect(r.status).toBe(200);
    expect(seen[0]!.body).toBe(expected);
    expect(seen[0]!.headers['transfer-encoding']).toBeUndefined();
    expect(seen[0]!.headers['content-length']).toBe(String(expected.length));
  });

  it('gives a request without a body one (Caddy sets it whatever the method)', async () => {
    seen.length = 0;
    const r = await send(s.port, '/json', { headers: { 'X-Who': 'ann' } });
    expect(r.status).toBe(200);
    expect(seen[0]).toMatchObject({ method: 'GET', body: expected });
  });

  it('escaped braces make a JSON body', async () => {
    seen.length = 0;
    await send(s.port, '/escaped', { method: 'POST', headers: { 'X-Who': 'ann' }, body: 'x' });
    expect(seen[0]!.body).toBe('{"who":"ann"}');
  });

  it('an expansion to nothing sends an empty body with Content-Length 0', async () => {
    seen.length = 0;
    const r = await send(s.port, '/empty', { method: 'POST', body: 'dropped' });
    expect(r.status).toBe(200);
    expect(seen[0]!.body).toBe('');
    expect(seen[0]!.headers['content-length']).toBe('0');
  });

  it('max_size applies to the new body: 413 before the upstream is asked', async () => {
    seen.length = 0;
    const r = await send(s.port, '/limited', { method: 'POST', body: 'x' });
    expect(r.status).toBe(413);
    expect(r.text).toBe('413 http: request body too large');
    expect(seen).toEqual([]);
  });

  it('drains a large original body, so the next request on the same connection is served', async () => {
    seen.length = 0;
    const big = 'z'.repeat(2 * 1024 * 1024);
    const texts = await new Promise<string[]>((resolve, reject) => {
      const out: string[] = [];
      const one = (n: number) => {
        const req = request({ host: '127.0.0.1', port: s.port, path: '/json', method: 'POST', headers: { 'X-Who': 'ann', Connection: 'keep-alive' }, agent }, (res) => {
          let t = '';
          res.on('data', (d: Buffer) => (t += d.toString()));
          res.on('end', () => {
            out.push(`${res.statusCode} ${t}`);
            if (n === 1) one(2);
            else resolve(out);
          });
        });
        req.on('error', reject);
        req.end(big);
      };
      one(1);
    });
    agent.destroy();
    expect(texts).toEqual([`200 upstream got ${expected.length} bytes`, `200 upstream got ${expected.length} bytes`]);
    expect(sockets).toBe(1);
    expect(seen.map((x) => x.body)).toEqual([expected, expected]);
  });
});

let sockets = 0;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const origCreate = agent.createConnection.bind(agent);
agent.createConnection = ((...args: Parameters<typeof origCreate>) => {
  sockets++;
  return origCreate(...args);
}) as typeof agent.createConnection;

describe('request_body set over HTTP/2 (h2c)', () => {
  const h2 = (path: string, headers: Record<string, string>, body: string[] | null): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const session = h2connect(`http://127.0.0.1:${s.port}`);
      session.on('error', reject);
      const req = session.request({ ':path': path, ':method': body === null ? 'GET' : 'POST', ...headers }, { endStream: body === null });
      let status = 0;
      let text = '';
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (d: Buffer) => (text += d.toString()));
      req.on('end', () => {
        session.close();
        resolve({ status, text });
      });
      req.on('error', reject);
      if (body !== null) {
        for (const part of body) req.write(part);
        req.end();
      }
    });

  it('replaces a body of unknown length; the upstream gets the new body and its length', async () => {
    seen.length = 0;
    const r = await h2('/json', { 'x-who': 'ann' }, ['an h2 ', 'body']);
    expect(r).toEqual({ status: 200, text: `upstream got ${expected.length} bytes` });
    expect(seen[0]!.body).toBe(expected);
    expect(seen[0]!.headers['content-length']).toBe(String(expected.length));
    expect(seen[0]!.headers['transfer-encoding']).toBeUndefined();
  });

  it('drains a large original upload past the flow-control window', async () => {
    seen.length = 0;
    const r = await h2('/json', { 'x-who': 'ann' }, [Buffer.alloc(1024 * 1024, 0x61).toString(), Buffer.alloc(1024 * 1024, 0x62).toString()]);
    expect(r).toEqual({ status: 200, text: `upstream got ${expected.length} bytes` });
    expect(seen[0]!.body).toBe(expected);
  });

  it('replaces the body of a bodyless GET', async () => {
    seen.length = 0;
    const r = await h2('/json', { 'x-who': 'ann' }, null);
    expect(r.status).toBe(200);
    expect(seen[0]).toMatchObject({ method: 'GET', body: expected });
  });
});
