// gRPC through the built executable, configured as a Caddy user would:
// `servers { protocols h1 h2c }` and `reverse_proxy h2c://...` in a
// Caddyfile, a @grpc/grpc-js server behind it and a grpc-js client in front
// (unary and bidi streaming), plus an HTTP/1.1 client of the same site.
import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, startCli, until, type Proc } from './cli-harness.js';

const identity = (b: Buffer) => b;
const method = (name: string, requestStream: boolean, responseStream: boolean) => ({
  path: `/tsweb.e2e.Echo/${name}`,
  requestStream,
  responseStream,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
});
const service = { unary: method('Unary', false, false), bidi: method('Bidi', true, true) };
type EchoClient = grpc.Client & Record<keyof typeof service, (...args: unknown[]) => unknown>;

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (body += d));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('gRPC through `tsweb run` (h2c both ways)', () => {
  let dir: string, server: grpc.Server, proc: Proc, client: EchoClient, port: number;
  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tsweb-e2e-grpc-'));
    server = new grpc.Server();
    server.addService(service, {
      unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from(`echo ${call.request.toString()}`)),
      bidi: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        call.on('data', (b: Buffer) => call.write(Buffer.from(b.toString().toUpperCase())));
        call.on('end', () => call.end());
      },
    });
    const upPort = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    port = await freePort();
    writeFileSync(join(dir, 'Caddyfile'), `{\n\tadmin off\n\tauto_https off\n\tservers {\n\t\tprotocols h1 h2c\n\t}\n}\n\n:${port} {\n\treverse_proxy h2c://127.0.0.1:${upPort}\n}\n`);
    proc = startCli(['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], dir);
    await until(async () => (await get(port, '/').catch(() => ({ status: 0 }))).status !== 0, 'tsweb to listen', 15_000);
    const Ctor = grpc.makeGenericClientConstructor(service, 'Echo');
    client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as EchoClient;
  }, 60_000);
  afterAll(async () => {
    client?.close();
    killChildren();
    await new Promise<void>((r) => (server ? server.tryShutdown(() => r()) : r()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a unary call is answered', async () => {
    const value = await new Promise<string>((resolve, reject) => {
      client.unary(Buffer.from('hi'), (err: grpc.ServiceError | null, v?: Buffer) => (err ? reject(err) : resolve(v!.toString())));
    });
    expect(value).toBe('echo hi');
  });

  it('a bidi stream converses message by message', async () => {
    const call = client.bidi() as grpc.ClientDuplexStream<Buffer, Buffer>;
    const next = () => new Promise<string>((resolve) => call.once('data', (b: Buffer) => resolve(b.toString())));
    call.write(Buffer.from('ping'));
    expect(await next()).toBe('PING');
    call.write(Buffer.from('pong'));
    expect(await next()).toBe('PONG');
    const ended = new Promise<void>((resolve) => call.on('end', () => resolve()));
    call.on('data', () => {});
    call.end();
    await ended;
    expect(proc.stderr()).not.toMatch(/panic|TypeError/);
  });
});
