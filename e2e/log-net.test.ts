// `log { output net … }` from a Caddyfile, served by the built executable
// (two request workers here, each with its own connection): access lines
// reach a TCP collector on 127.0.0.1, formatted with a custom Go time
// layout; when the collector goes away the lines go to tsweb's stderr and
// requests are still answered; when it comes back on the same port the
// lines go to it again. soft_start lets tsweb start before the collector.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, startCliEnv, until } from './cli-harness.js';

beforeAll(ensureBuilt);
afterEach(killChildren);

function curl(url: string): Promise<string> {
  return new Promise((res) => execFile('curl', ['-s', '-m', '5', url], { encoding: 'utf8' }, (_e, out) => res(out)));
}

async function collector(port: number): Promise<{ lines: string[]; close: () => Promise<void> }> {
  const lines: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  expect((server.address() as AddressInfo).port).toBe(port);
  return {
    lines,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const uris = (lines: string[]) => lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).request.uri as string);

describe('tsweb run with a net log writer', () => {
  it('starts before the collector (soft_start), ships lines to it, falls back to stderr while it is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-e2e-lognet-'));
    const web = await freePort();
    const logPort = await freePort();
    writeFileSync(
      join(dir, 'Caddyfile'),
      `{
	admin off
}

http://127.0.0.1:${web} {
	log {
		output net 127.0.0.1:${logPort} {
			dial_timeout 2s
			soft_start
		}
		format json {
			time_format "02/Jan/2006:15:04:05 -0700"
		}
	}
	respond "hello"
}
`,
    );
    // Caddy redials every 10 s; TSWEB_RETRY_SCALE=0.03 makes it 300 ms.
    const p = startCliEnv(['run'], dir, { TSWEB_RETRY_SCALE: '0.03' });
    await until(() => p.stderr().includes('serving initial configuration'), 'startup', 15_000);
    const notice = `[ERROR] net log writer failed to connect: dial tcp 127.0.0.1:${logPort}: connect: connection refused (will retry connection and print errors here in the meantime)`;
    await until(() => p.stderr().includes(notice), 'the soft_start notice');

    let c = await collector(logPort);
    // Every worker connects on its own rhythm: wait until a line reaches the collector.
    await until(async () => {
      await curl(`http://127.0.0.1:${web}/probe`);
      return c.lines.length > 0;
    }, 'a line at the collector', 15_000);
    await until(() => (p.stderr().match(/reconnected to tcp/g) ?? []).length >= 2, 'both workers connected', 15_000);
    c.lines.length = 0;
    for (let i = 0; i < 6; i++) expect(await curl(`http://127.0.0.1:${web}/up-${i}`)).toBe('hello');
    await until(() => c.lines.length >= 6, 'six lines at the collector');
    expect(uris(c.lines).sort()).toEqual(['/up-0', '/up-1', '/up-2', '/up-3', '/up-4', '/up-5']);
    expect(JSON.parse(c.lines[0]!).ts).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);

    await c.close();
    await until(() => (p.stderr().match(/connection to tcp 127\.0\.0\.1:\d+ lost/g) ?? []).length >= 2, 'both workers noticing');
    expect(await curl(`http://127.0.0.1:${web}/down`)).toBe('hello');
    await until(() => p.stderr().includes('"uri":"/down"'), 'the line on stderr');

    c = await collector(logPort);
    await until(async () => {
      await curl(`http://127.0.0.1:${web}/back`);
      return uris(c.lines).includes('/back');
    }, 'lines at the collector again', 15_000);

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    await c.close();
  });
});
