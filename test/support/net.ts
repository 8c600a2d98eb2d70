// Real-socket helpers for engine tests: free ports, raw HTTP/1.1 exchanges
// (for requests no well-behaved client sends), and a runtime per test that
// is always stopped.
import { connect, type Socket } from 'node:net';
import { Runtime } from '../../src/runtime/runtime.js';
import type { EngineLog } from '../../src/core/log.js';

export { freePort } from './free_port.js';

export interface RawResult {
  /** Everything the server sent before closing (or before the time limit). */
  text: string;
  /** How the exchange ended: the server closed, the socket errored, or we gave up. */
  end: 'closed' | 'error' | 'timeout';
  ms: number;
}

/**
 * Writes `chunks` (with `gapMs` between them) and collects the answer until
 * the server closes or `limitMs` passes. Bounded in time, always cleaned up.
 */
export function rawExchange(port: number, chunks: string | string[], opts: { gapMs?: number; limitMs?: number; host?: string } = {}): Promise<RawResult> {
  const list = typeof chunks === 'string' ? [chunks] : chunks;
  const limit = opts.limitMs ?? 3000;
  const started = Date.now();
  return new Promise((resolve) => {
    const sock: Socket = connect(port, opts.host ?? '127.0.0.1');
    let text = '';
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (end: RawResult['end']) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      sock.destroy();
      resolve({ text, end, ms: Date.now() - started });
    };
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => (text += d));
    sock.on('close', () => finish('closed'));
    sock.on('error', () => finish('error'));
    timers.push(setTimeout(() => finish('timeout'), limit));
    sock.on('connect', () => {
      list.forEach((chunk, i) => {
        timers.push(setTimeout(() => {
          if (!sock.destroyed) sock.write(chunk);
        }, i * (opts.gapMs ?? 0)));
      });
    });
  });
}

/** The status code of a raw HTTP response, or 0. */
export function statusOf(text: string): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return m ? Number(m[1]) : 0;
}

/** Collects log lines a runtime writes, for assertions. */
export function logCollector(): { log: EngineLog; lines: Array<{ level: string; logger: string; msg: string; fields: Record<string, unknown> }> } {
  const lines: Array<{ level: string; logger: string; msg: string; fields: Record<string, unknown> }> = [];
  return { lines, log: (level, logger, msg, fields) => void lines.push({ level, logger, msg, fields: fields ?? {} }) };
}

/** A runtime serving `servers` (apps.http.servers), stopped by the returned stop(). */
export async function serve(http: Record<string, unknown>, log?: EngineLog): Promise<{ runtime: Runtime; stop: () => Promise<void> }> {
  const runtime = new Runtime({ log });
  await runtime.load({ apps: { http } });
  return { runtime, stop: () => runtime.stop() };
}
