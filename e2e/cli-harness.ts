// What the end-to-end tests share: the built executable (dist/tsweb, a Node
// SEA: no node, bundle or node_modules involved when it runs), free loopback
// ports, the processes they start (all killed after each test), and bounded
// waiting.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..');
export const cli = join(root, 'dist', 'tsweb');

/** Builds dist/ if a test file runs on its own (the test runner builds it first). */
export function ensureBuilt(): void {
  if (existsSync(cli)) return;
  const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
}

export { freePort } from '../test/support/free_port.js';

/** Waits (bounded) until `cond` holds. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const children: ChildProcess[] = [];

/** Remembers a child so killChildren() stops it. */
export function track<T extends ChildProcess>(child: T): T {
  children.push(child);
  return child;
}

/** For afterEach: every process a test started is gone afterwards. */
export function killChildren(): void {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

export interface Proc {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `tsweb ARGS` in `cwd` with a minimal environment, stderr collected. */
export function startCli(args: string[], cwd: string): Proc {
  const child = track(spawn(cli, args, { cwd, env: { PATH: process.env.PATH, HOME: cwd }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, stderr: () => err, exited };
}

// --- For the admin API and the verbs that talk to it (e2e/admin*.test.ts, e2e/verbs*.test.ts). ---

export interface ProcWithOut extends Proc {
  stdout: () => string;
}

/**
 * startCli with extra environment variables (TSWEB_ADMIN, XDG_CONFIG_HOME)
 * and stdout collected too. A verb that leaves a process behind (`start`)
 * keeps the pipes open, so wait on `exited`, not on the streams.
 */
export function startCliEnv(args: string[], cwd: string, env: Record<string, string>): ProcWithOut {
  const child = track(spawn(cli, args, { cwd, env: { PATH: process.env.PATH, HOME: cwd, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let err = '';
  let out = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (err += d));
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, stderr: () => err, stdout: () => out, exited };
}

// --- A minimal WebSocket (RFC 6455) for tests that tunnel one through tsweb (e2e/reload-under-load.test.ts). ---
// Text frames under 64 KiB, no fragmentation, no extensions: what a long-lived echo needs.

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function wsAccept(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

/** One frame; a client's is masked (RFC 6455 5.3), a server's is not. */
function wsFrame(opcode: number, payload: Buffer, masked: boolean): Buffer {
  const len = payload.length;
  const ext = len < 126 ? 0 : 2;
  const head = Buffer.alloc(2 + ext + (masked ? 4 : 0));
  head[0] = 0x80 | opcode;
  head[1] = (masked ? 0x80 : 0) | (ext === 0 ? len : 126);
  if (ext === 2) head.writeUInt16BE(len, 2);
  if (!masked) return Buffer.concat([head, payload]);
  const mask = randomBytes(4);
  mask.copy(head, 2 + ext);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i & 3]!;
  return Buffer.concat([head, body]);
}

/** Calls `onFrame` for every complete frame arriving on `socket` (after `head`). */
function wsReadFrames(socket: Duplex, head: Buffer, onFrame: (opcode: number, payload: Buffer) => void): void {
  let buf = head;
  const drain = () => {
    for (;;) {
      if (buf.length < 2) return;
      const masked = (buf[1]! & 0x80) !== 0;
      let len = buf[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      }
      const need = off + (masked ? 4 : 0) + len;
      if (buf.length < need) return;
      const payload = Buffer.from(buf.subarray(need - len, need));
      if (masked) for (let i = 0; i < len; i++) payload[i]! ^= buf[off + (i & 3)]!;
      const opcode = buf[0]! & 0x0f;
      buf = buf.subarray(need);
      onFrame(opcode, payload);
    }
  };
  socket.on('data', (d: Buffer) => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
    drain();
  });
  drain();
}

/** A WebSocket echo server on a free loopback port: every text frame comes back as is. */
export async function startWsEcho(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Duplex>();
  const server = createHttpServer((_req, res) => res.writeHead(426).end());
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${wsAccept(String(req.headers['sec-websocket-key']))}\r\n\r\n`);
    wsReadFrames(socket, head, (opcode, payload) => {
      if (opcode === 0x1) socket.write(wsFrame(0x1, payload, false));
      else if (opcode === 0x8) socket.end(wsFrame(0x8, payload, false));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface WsClient {
  /** Sends a text frame and resolves with the next text frame received (bounded). */
  echo(text: string, ms?: number): Promise<string>;
  /** Whether the connection has closed (for any reason) since it opened. */
  closed(): boolean;
  close(): void;
}

/** Opens a WebSocket to `127.0.0.1:port` + `path` (a raw handshake on node:net). */
export function openWs(port: number, path: string): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const socket = connect(port, '127.0.0.1');
    let closed = false;
    let waiting: ((text: string) => void) | null = null;
    socket.on('close', () => (closed = true));
    socket.once('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    let pre = Buffer.alloc(0);
    const onHead = (d: Buffer) => {
      pre = Buffer.concat([pre, d]);
      const end = pre.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onHead);
      const head = pre.subarray(0, end).toString('latin1');
      if (!/^HTTP\/1\.1 101 /.test(head) || !head.toLowerCase().includes(`sec-websocket-accept: ${wsAccept(key).toLowerCase()}`)) {
        socket.destroy();
        reject(new Error(`WebSocket handshake refused: ${head}`));
        return;
      }
      socket.off('error', reject);
      socket.on('error', () => socket.destroy());
      wsReadFrames(socket, pre.subarray(end + 4), (opcode, payload) => {
        if (opcode !== 0x1 || waiting === null) return;
        const w = waiting;
        waiting = null;
        w(payload.toString('utf8'));
      });
      resolve({
        echo: (text, ms = 5000) =>
          new Promise((res, rej) => {
            if (closed) return rej(new Error('WebSocket closed'));
            const timer = setTimeout(() => rej(new Error(`no echo of ${JSON.stringify(text)} within ${ms} ms (closed: ${closed})`)), ms);
            waiting = (t) => {
              clearTimeout(timer);
              res(t);
            };
            socket.write(wsFrame(0x1, Buffer.from(text, 'utf8'), true));
          }),
        closed: () => closed,
        close: () => socket.destroy(),
      });
    };
    socket.on('data', onHead);
  });
}
