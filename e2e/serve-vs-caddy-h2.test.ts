// HTTP/2 against the real Caddy: `caddy run` and `tsweb run` serve the same
// Caddyfile with an HTTPS site (`tls internal` on both, each with its own
// internal CA) and an h2c site; the same requests over HTTP/2 must get the
// same status, body and headers. curl, as a user would run it, checks the
// protocol each negotiates.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type ClientHttp2Session } from 'node:http2';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pair, startPair, type Who } from './serve-diff.js';

const run = promisify(execFile);

const site = `{
	admin off
	skip_install_trust
	http_port {{PORT:http}}
	servers :{{PORT:h2c}} {
		protocols h1 h2c
	}
}

localhost:{{PORT:main}} {
	tls internal
	header X-Site main
	handle /hello {
		respond "hello {http.request.proto} {scheme} {host}" 201
	}
	handle /files/* {
		root * {{DIR}}
		file_server
	}
	handle /enc/* {
		encode gzip
		header Content-Type text/plain
		respond "{{BIG}}"
	}
	handle /redir {
		redir /hello 302
	}
	handle /err {
		error "nope" 404
	}
	handle {
		respond "fallback {method} {uri}"
	}
	handle_errors {
		respond "{err.status_code} over {http.request.proto}"
	}
}

:{{PORT:h2c}} {
	respond "h2c {http.request.proto} {scheme}"
}
`;

const big = 'twenty bytes of text'.repeat(100);

interface H2Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers that differ by design: the server's name, the clock, and Caddy's HTTP/3 advertisement (tsweb has no HTTP/3). */
const ignored = new Set(['date', 'server', 'alt-svc']);

function ask(session: ClientHttp2Session, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': opts.method ?? 'GET', ':path': path, ...opts.headers });
    const chunks: Buffer[] = [];
    let status = 0;
    const headers: Record<string, string> = {};
    req.on('response', (h) => {
      status = Number(h[':status']);
      for (const [k, v] of Object.entries(h)) if (!k.startsWith(':') && !ignored.has(k) && v !== undefined) headers[k] = Array.isArray(v) ? v.join('\n') : String(v);
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (headers['content-encoding'] === 'gzip' && body.length > 0) {
        body = gunzipSync(body);
        delete headers['content-length'];
      }
      resolve({ status, headers, body: body.toString() });
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.close());
  });
}

const requests: Array<{ path: string; method?: string; headers?: Record<string, string> }> = [
  { path: '/hello' },
  { path: '/hello', method: 'HEAD' },
  { path: '/files/a.txt' },
  { path: '/files/a.txt', headers: { range: 'bytes=2-5' } },
  { path: '/files/missing.txt' },
  { path: '/enc/x', headers: { 'accept-encoding': 'gzip' } },
  { path: '/enc/x' },
  { path: '/redir' },
  { path: '/err' },
  { path: '/other?q=1', method: 'POST' },
];

describe('tsweb run answers as caddy run does, over HTTP/2', () => {
  let pair: Pair;
  const sessions: Partial<Record<Who, ClientHttp2Session>> = {};
  const h2c: Partial<Record<Who, ClientHttp2Session>> = {};
  const root = (who: Who) => join(pair.dir, who === 'caddy' ? 'caddy' : 'tsweb', 'pki', 'authorities', 'local', 'root.crt');

  beforeAll(async () => {
    pair = await startPair(site.replace('{{BIG}}', big), (dir) => {
      mkdirSync(join(dir, 'files'));
      writeFileSync(join(dir, 'files', 'a.txt'), 'the quick brown fox\n');
    });
    for (const who of ['caddy', 'tsweb'] as const) {
      const s = connect(`https://localhost:${pair.ports[who].main}`, { ca: readFileSync(root(who)), host: '127.0.0.1' });
      s.on('error', () => {});
      sessions[who] = s;
      const c = connect(`http://127.0.0.1:${pair.ports[who].h2c}`);
      c.on('error', () => {});
      h2c[who] = c;
    }
  });
  afterAll(async () => {
    for (const s of [...Object.values(sessions), ...Object.values(h2c)]) s?.close();
    await pair?.stop();
  });

  it.each(requests.map((r) => [`${r.method ?? 'GET'} ${r.path}${r.headers ? ` ${JSON.stringify(r.headers)}` : ''}`, r] as const))('%s', async (_name, r) => {
    const fromCaddy = await ask(sessions.caddy!, r.path, r);
    const fromTsweb = await ask(sessions.tsweb!, r.path, r);
    expect(fromTsweb).toEqual(fromCaddy);
  });

  it('h2c with prior knowledge', async () => {
    const [a, b] = [await ask(h2c.caddy!, '/'), await ask(h2c.tsweb!, '/')];
    expect(b).toEqual(a);
    expect(b.body).toBe('h2c HTTP/2.0 http');
  });

  it('curl --http2 negotiates HTTP/2 over TLS with both; --http1.1 stays on 1.1', async () => {
    for (const who of ['caddy', 'tsweb'] as const) {
      const port = pair.ports[who].main!;
      const base = ['-sS', '--cacert', root(who), '--resolve', `localhost:${port}:127.0.0.1`, '-w', ' %{http_version}'];
      expect((await run('curl', [...base, '--http2', `https://localhost:${port}/hello`])).stdout).toBe(`hello HTTP/2.0 https localhost 2`);
      expect((await run('curl', [...base, '--http1.1', `https://localhost:${port}/hello`])).stdout).toBe(`hello HTTP/1.1 https localhost 1.1`);
    }
  });

  it('curl --http2-prior-knowledge speaks h2c to the h2c site', async () => {
    for (const who of ['caddy', 'tsweb'] as const) {
      const out = await run('curl', ['-sS', '--http2-prior-knowledge', '-w', ' %{http_version}', `http://127.0.0.1:${pair.ports[who].h2c}/`]);
      expect(out.stdout).toBe('h2c HTTP/2.0 http 2');
    }
  });

  it('curl --http2 on plain HTTP (Upgrade: h2c) gets HTTP/1.1 from tsweb, as from newer Caddy (Go serves no h2c upgrade)', async () => {
    const out = await run('curl', ['-sS', '--http2', '-w', ' %{http_version}', `http://127.0.0.1:${pair.ports.tsweb.h2c}/`]);
    expect(out.stdout).toBe('h2c HTTP/1.1 http 1.1');
  });
});
