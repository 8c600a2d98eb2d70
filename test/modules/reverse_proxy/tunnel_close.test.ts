// When a proxied WebSocket (any Upgrade tunnel) ends, and what a reload and a
// stop do to one that is open. Found by e2e/reload-under-load.test.ts:
// - a client that half-closes (FIN) while the backend ignores it left both
//   sockets open forever (Caddy closes both once either copy ends);
// - a stop with a tunnel open never finished under the default eternal grace
//   period (Caddy closes hijacked connections when its servers stop);
// - a reload keeps it open (tsweb keeps tunnels on unchanged listeners).
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../support/net.js';
import { Runtime } from '../../../src/runtime/runtime.js';
import { type Backend, backend, readBytes, upgradeClient } from './backends.js';

/**
 * A backend that echoes every byte and never ends its side when the proxy
 * hangs up (as a WebSocket server waiting for a close frame may); `open`
 * holds its sockets until the proxy's end of the stream arrives.
 */
async function stubbornEcho(open: Set<Duplex>): Promise<Backend> {
  const all = new Set<Duplex>();
  const b = await backend(
    (_req, res) => res.end('not an upgrade'),
    (_req, socket, head) => {
      all.add(socket);
      open.add(socket);
      socket.on('end', () => open.delete(socket));
      socket.on('error', () => {});
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      if (head.length > 0) socket.write(head);
      socket.on('data', (d: Buffer) => socket.write(d));
    },
  );
  // node:http's close() waits for upgraded sockets, and these never close themselves.
  return {
    ...b,
    close: () => {
      for (const s of all) s.destroy();
      return b.close();
    },
  };
}

function config(port: number, dial: string, body: string): Record<string, unknown> {
  return {
    apps: {
      http: {
        servers: {
          srv0: {
            listen: [`127.0.0.1:${port}`],
            routes: [
              { match: [{ path: ['/ws'] }], handle: [{ handler: 'reverse_proxy', upstreams: [{ dial }] }] },
              { handle: [{ handler: 'static_response', body }] },
            ],
          },
        },
      },
    },
  };
}

/** Resolves with 'done' or, after `ms`, 'pending'. */
function within(p: Promise<unknown>, ms: number): Promise<'done' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p.then(() => 'done' as const), new Promise<'pending'>((r) => (timer = setTimeout(() => r('pending'), ms)))]).finally(() => clearTimeout(timer));
}

const waitClosed = (s: Duplex): Promise<void> => new Promise((r) => (s.destroyed ? r() : s.once('close', () => r())));

describe('reverse_proxy tunnels: closing', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setUp(): Promise<{ runtime: Runtime; port: number; seen: Set<Duplex>; ws: Backend }> {
    const seen = new Set<Duplex>();
    const ws = await stubbornEcho(seen);
    cleanups.push(() => ws.close());
    const port = await freePort();
    const runtime = new Runtime({});
    await runtime.load(config(port, ws.dial, 'one'));
    cleanups.push(() => runtime.stop());
    return { runtime, port, seen, ws };
  }

  it('a client that half-closes ends the tunnel, though the backend never ends its side', async () => {
    const { port, seen } = await setUp();
    const { socket, head, rest } = await upgradeClient(port, '/ws');
    expect(head).toMatch(/^HTTP\/1\.1 101 /);
    socket.write('ping');
    expect((await readBytes(socket, 4, rest)).toString()).toBe('ping');
    expect(seen.size).toBe(1);
    socket.end();
    // The proxy ends its side to the client (which then closes) instead of waiting for the backend.
    expect(await within(waitClosed(socket), 3000)).toBe('done');
    expect(seen.size).toBe(0);
  });

  it('a reload keeps an open tunnel; a stop closes it and finishes', async () => {
    const { runtime, port, seen, ws } = await setUp();
    const { socket, rest } = await upgradeClient(port, '/ws');
    socket.on('error', () => {});
    socket.write('one');
    expect((await readBytes(socket, 3, rest)).toString()).toBe('one');

    await runtime.load(config(port, ws.dial, 'two'));
    socket.write('two');
    expect((await readBytes(socket, 3)).toString()).toBe('two');

    expect(await within(runtime.stop(), 3000)).toBe('done');
    expect(await within(waitClosed(socket), 1000)).toBe('done');
    expect(await within(new Promise<void>((r) => (seen.size === 0 ? r() : [...seen][0]!.once('end', () => r()))), 1000)).toBe('done');
  });
});
