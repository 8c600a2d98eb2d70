// HTTP/2 upstreams: `versions h2c 2` proxies over one h2c session per
// upstream (node:http2 and @grpc/grpc-js servers), and gRPC goes through
// tsweb end to end (grpc-js client over h2c to tsweb, tsweb over h2c to a
// grpc-js server): unary, server-streaming, client-streaming and bidi calls,
// grpc-status / grpc-message trailers and the deadline passed on untouched.
import * as grpc from '@grpc/grpc-js';
import { connect as h2connect, createServer as createH2Server, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, site, type Site } from '../support/client.js';

const h2cProxy = (dial: string, extra: Record<string, unknown> = {}) => ({
  handler: 'reverse_proxy',
  upstreams: [{ dial }],
  transport: { protocol: 'http', versions: ['h2c', '2'] },
  ...extra,
});

const identity = (b: Buffer) => b;
const method = (name: string, requestStream: boolean, responseStream: boolean) => ({
  path: `/tsweb.test.Echo/${name}`,
  requestStream,
  responseStream,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
});
const service = {
  unary: method('Unary', false, false),
  serverStream: method('ServerStream', false, true),
  clientStream: method('ClientStream', true, false),
  bidi: method('Bidi', true, true),
};
type EchoClient = grpc.Client & Record<keyof typeof service, (...args: unknown[]) => unknown>;

describe('h2c upstream (node:http2)', () => {
  let up: Http2Server, s: Site;
  let sessions = 0;
  beforeAll(async () => {
    up = createH2Server();
    up.on('session', () => sessions++);
    up.on('stream', (stream: ServerHttp2Stream, headers) => {
      if (headers[':path'] === '/upload') {
        let n = 0;
        stream.on('data', (c: Buffer) => (n += c.length));
        stream.on('end', () => {
          stream.respond({ ':status': 200, 'content-type': 'text/plain' });
          stream.end(`got ${n} bytes over h2`);
        });
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'text/plain', 'x-proto': 'h2', 'x-host': String(headers[':authority']) }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abc' }));
      stream.end(`h2 says hi to ${String(headers['x-forwarded-for'])}`);
    });
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    const port = (up.address() as AddressInfo).port;
    s = await site([{ handle: [h2cProxy(`127.0.0.1:${port}`)] }]);
  });
  afterAll(async () => {
    await s?.stop();
    await new Promise<void>((r) => up.close(() => r()));
  });

  it('an HTTP/1.1 client is answered by an h2c-only upstream, Host as :authority, X-Forwarded-For set', async () => {
    const r = await send(s.port, '/', { headers: { Host: 'site.test' } });
    expect(r.status).toBe(200);
    expect(r.text).toBe('h2 says hi to 127.0.0.1');
    expect(r.headers['x-proto']).toBe('h2');
    expect(r.headers['x-host']).toBe('site.test');
  });

  it('a request body is streamed to the h2c upstream', async () => {
    const r = await send(s.port, '/upload', { method: 'POST', body: ['a'.repeat(70_000), 'b'.repeat(70_000)], gapMs: 5 });
    expect(r.status).toBe(200);
    expect(r.text).toBe('got 140000 bytes over h2');
  });

  it('requests share one h2c session (streams multiplexed)', async () => {
    const before = sessions;
    const rs = await Promise.all(Array.from({ length: 20 }, () => send(s.port, '/')));
    expect(rs.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(sessions - before).toBeLessThanOrEqual(1);
  });
});

describe('gRPC through tsweb (h2c both sides)', () => {
  let server: grpc.Server, s: Site, client: EchoClient;
  let seenDeadline = Infinity;
  beforeAll(async () => {
    server = new grpc.Server();
    server.addService(service, {
      unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        const text = call.request.toString();
        const deadline = call.getDeadline();
        seenDeadline = deadline instanceof Date ? deadline.getTime() : Number(deadline);
        if (text === 'fail') return cb({ code: grpc.status.INVALID_ARGUMENT, details: 'no "fail" please' });
        const md = new grpc.Metadata();
        md.set('x-trailer', 'kept');
        cb(null, Buffer.from(`echo ${text}`), md);
      },
      serverStream: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        const n = Number(call.request.toString());
        for (let i = 0; i < n; i++) call.write(Buffer.from(`item ${i}`));
        call.end();
      },
      clientStream: (call: grpc.ServerReadableStream<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        const parts: string[] = [];
        call.on('data', (b: Buffer) => parts.push(b.toString()));
        call.on('end', () => cb(null, Buffer.from(parts.join('+'))));
      },
      bidi: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        call.on('data', (b: Buffer) => call.write(Buffer.from(b.toString().toUpperCase())));
        call.on('end', () => call.end());
      },
    });
    const upPort = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
    s = await site([{ handle: [h2cProxy(`127.0.0.1:${upPort}`)] }], { protocols: ['h1', 'h2c'] });
    const Ctor = grpc.makeGenericClientConstructor(service, 'Echo');
    client = new Ctor(`127.0.0.1:${s.port}`, grpc.credentials.createInsecure()) as unknown as EchoClient;
  });
  afterAll(async () => {
    client?.close();
    await s?.stop();
    await new Promise<void>((r) => server.tryShutdown(() => r()));
  });

  const unary = (text: string, deadlineMs = 10_000) =>
    new Promise<{ err: grpc.ServiceError | null; value?: Buffer; trailers?: grpc.Metadata }>((resolve) => {
      let trailers: grpc.Metadata | undefined;
      const call = client.unary(Buffer.from(text), new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err: grpc.ServiceError | null, value?: Buffer) => {
        // The status (with its trailers) comes after the callback's data; wait for it.
        setImmediate(() => resolve({ err, value, trailers }));
      }) as grpc.ClientUnaryCall;
      call.on('status', (st: grpc.StatusObject) => (trailers = st.metadata));
    });

  it('unary: the answer and the trailing metadata come back; the deadline reaches the server', async () => {
    const sent = Date.now();
    const r = await unary('hello', 8000);
    expect(r.err).toBeNull();
    expect(r.value?.toString()).toBe('echo hello');
    expect(r.trailers?.get('x-trailer')).toEqual(['kept']);
    // grpc-timeout went through untouched: the server's deadline is the client's (within the time taken).
    expect(seenDeadline).toBeGreaterThan(sent + 5000);
    expect(seenDeadline).toBeLessThanOrEqual(sent + 8000 + 1000);
  });

  it('unary error: grpc-status and grpc-message reach the client as the server sent them', async () => {
    const r = await unary('fail');
    expect(r.err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(r.err?.details).toBe('no "fail" please');
  });

  it('server streaming: every message arrives in order', async () => {
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = client.serverStream(Buffer.from('5')) as grpc.ClientReadableStream<Buffer>;
      call.on('data', (b: Buffer) => got.push(b.toString()));
      call.on('error', reject);
      call.on('end', () => resolve());
    });
    expect(got).toEqual(['item 0', 'item 1', 'item 2', 'item 3', 'item 4']);
  });

  it('client streaming: every message reaches the server before its answer', async () => {
    const value = await new Promise<string>((resolve, reject) => {
      const call = client.clientStream((err: grpc.ServiceError | null, v?: Buffer) => (err ? reject(err) : resolve(v!.toString()))) as grpc.ClientWritableStream<Buffer>;
      for (const p of ['a', 'b', 'c']) call.write(Buffer.from(p));
      call.end();
    });
    expect(value).toBe('a+b+c');
  });

  it('bidi: each message is answered while the call stays open', async () => {
    const call = client.bidi() as grpc.ClientDuplexStream<Buffer, Buffer>;
    const next = () => new Promise<string>((resolve) => call.once('data', (b: Buffer) => resolve(b.toString())));
    call.write(Buffer.from('one'));
    expect(await next()).toBe('ONE');
    // The second message goes only after the first answer came back: a real conversation, not a buffered batch.
    call.write(Buffer.from('two'));
    expect(await next()).toBe('TWO');
    const ended = new Promise<void>((resolve) => call.on('end', () => resolve()));
    call.on('data', () => {});
    call.end();
    await ended;
  });
});

// The upstream side alone, with an h2 client of tsweb's own (no gRPC library between).
describe('h2c to tsweb, h2c to the upstream: trailers end to end', () => {
  let up: Http2Server, s: Site;
  beforeAll(async () => {
    up = createH2Server();
    up.on('stream', (stream: ServerHttp2Stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'ok' }));
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
    });
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    s = await site([{ handle: [h2cProxy(`127.0.0.1:${(up.address() as AddressInfo).port}`)] }], { protocols: ['h1', 'h2c'] });
  });
  afterAll(async () => {
    await s?.stop();
    await new Promise<void>((r) => up.close(() => r()));
  });

  it('grpc-status and grpc-message arrive as HTTP/2 trailers', async () => {
    const session = h2connect(`http://127.0.0.1:${s.port}`);
    try {
      const result = await new Promise<{ status: number; trailers: Record<string, unknown> }>((resolve, reject) => {
        const req = session.request({ ':method': 'POST', ':path': '/x', 'content-type': 'application/grpc', te: 'trailers' });
        let status = 0;
        req.on('response', (h) => (status = Number(h[':status'])));
        req.on('trailers', (t) => resolve({ status, trailers: t }));
        req.on('error', reject);
        req.resume();
        req.end(Buffer.from([0, 0, 0, 0, 0]));
      });
      expect(result.status).toBe(200);
      expect(result.trailers['grpc-status']).toBe('0');
      expect(result.trailers['grpc-message']).toBe('ok');
    } finally {
      session.close();
    }
  });
});
