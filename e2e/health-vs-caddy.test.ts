// Active health checks, tsweb run against caddy run (Debian's 2.6.2), from
// one Caddyfile probing the same real upstreams on 127.0.0.1: the log lines
// a user greps for (logger http.handlers.reverse_proxy.health_checker.active:
// "HTTP request failed", "unexpected status code", "response body failed
// expectations", "host is up") carry the same fields, and both stop sending
// requests to what the probes found down.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, request } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, startCliEnv, track, until } from './cli-harness.js';

beforeAll(() => ensureBuilt());
afterEach(() => killChildren());

const LOGGER = 'http.handlers.reverse_proxy.health_checker.active';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (r) => {
      let b = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (b += d));
      r.on('end', () => res({ status: r.statusCode ?? 0, body: b }));
    });
    req.on('error', rej);
    req.end();
  });
}

async function upstream(name: string) {
  const state = { status: 200, body: 'ok' };
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/health')) {
      res.statusCode = state.status;
      res.end(state.body);
      return;
    }
    res.end(name);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { state, server, dial: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface LogLine {
  logger?: string;
  msg?: string;
  [k: string]: unknown;
}

/** The health checker's lines as "msg {fields}" strings, without the time, deduplicated. */
function healthLines(stderr: string): Set<string> {
  const out = new Set<string>();
  for (const text of stderr.split('\n')) {
    if (!text.startsWith('{')) continue;
    const l = JSON.parse(text) as LogLine;
    if (l.logger !== LOGGER) continue;
    const { ts: _ts, level, logger: _l, msg, ...fields } = l;
    out.add(`${String(level)} ${String(msg)} ${JSON.stringify(fields, Object.keys(fields).sort())}`);
  }
  return out;
}

describe('active health checks: tsweb run logs and routes as caddy run does', () => {
  it('down for each reason, then up', async () => {
    const status = await upstream('status');
    const body = await upstream('body');
    const good = await upstream('good');
    const dead = `127.0.0.1:${await freePort()}`;
    status.state.status = 503;
    body.state.body = 'degraded';
    const site = (port: number, dial: string, path: string) =>
      `\thandle ${path} {\n\t\treverse_proxy ${dial} ${good.dial} {\n\t\t\tlb_policy first\n\t\t\thealth_uri /health\n\t\t\thealth_interval 200ms\n\t\t\thealth_status 200\n\t\t\thealth_body ^ok$\n\t\t}\n\t}\n`;
    const caddyfile = (port: number) =>
      `{\n\tadmin off\n\tauto_https off\n}\n:${port} {\n${site(port, status.dial, '/status')}${site(port, body.dial, '/body')}${site(port, dead, '/dead')}}\n`;
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-health-diff-'));
    const ports = { caddy: await freePort(), tsweb: await freePort() };
    writeFileSync(join(dir, 'caddy.Caddyfile'), caddyfile(ports.caddy));
    writeFileSync(join(dir, 'tsweb.Caddyfile'), caddyfile(ports.tsweb));
    let caddyErr = '';
    const caddy: ChildProcess = track(spawn('caddy', ['run', '--config', 'caddy.Caddyfile', '--adapter', 'caddyfile'], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir }, stdio: ['ignore', 'ignore', 'pipe'] }));
    caddy.stderr!.setEncoding('utf8');
    caddy.stderr!.on('data', (d: string) => (caddyErr += d));
    const tsweb = startCliEnv(['run', '--config', 'tsweb.Caddyfile'], dir, { XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir });
    try {
      const down = [
        ['info HTTP request failed', dead],
        ['info unexpected status code', status.dial],
        ['info response body failed expectations', body.dial],
      ];
      for (const [who, err] of [['caddy', () => caddyErr], ['tsweb', tsweb.stderr]] as const) {
        await until(() => down.every(([msg, host]) => [...healthLines(err())].some((l) => l.startsWith(msg!) && l.includes(host!))), `${who}: the three failures logged`, 15000);
      }
      expect(healthLines(tsweb.stderr())).toEqual(healthLines(caddyErr));
      // Every route's first upstream is down: both send its requests to the good one.
      for (const path of ['/status', '/body', '/dead']) {
        for (const port of [ports.caddy, ports.tsweb]) expect(await get(port, path)).toEqual({ status: 200, body: 'good' });
      }

      // Up again: both say so, with the same fields.
      status.state.status = 200;
      body.state.body = 'ok';
      for (const err of [() => caddyErr, tsweb.stderr]) {
        await until(() => [...healthLines(err())].filter((l) => l.startsWith('info host is up')).length === 2, 'host is up twice', 15000);
      }
      expect(healthLines(tsweb.stderr())).toEqual(healthLines(caddyErr));
      for (const port of [ports.caddy, ports.tsweb]) {
        expect(await get(port, '/status')).toEqual({ status: 200, body: 'status' });
        expect(await get(port, '/body')).toEqual({ status: 200, body: 'body' });
      }
    } finally {
      for (const s of [status, body, good]) s.server.close();
    }
  }, 60000);
});
