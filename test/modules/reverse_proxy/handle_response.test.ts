// handle_response end to end, written as a user writes it (Caddyfile) and
// served by a real runtime in front of real backends: response matchers on
// the upstream's status and headers, the {rp.*} placeholders, copy_response
// (with a status), copy_response_headers (include/exclude), replace_status,
// the upstream body dropped when not copied, and errors of the routes going
// to handle_errors without a retry or a health strike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adaptCaddyfile } from '../../../src/adapt/index.js';
import { upstreamStatuses } from '../../../src/core/upstream_status.js';
import { Runtime } from '../../../src/runtime/runtime.js';
import { send } from '../../support/client.js';
import { freePort } from '../../support/net.js';
import { type Backend, backend } from './backends.js';

/** Serves a Caddyfile (its `{{PORT}}` filled) with a real runtime. */
async function serveCaddyfile(text: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const { config } = adaptCaddyfile(`{\n\tadmin off\n}\n${text.replaceAll('{{PORT}}', String(port))}`, 'Caddyfile', { env: {} });
  const runtime = new Runtime({});
  await runtime.load(config);
  return { port, stop: () => runtime.stop() };
}

describe('handle_response', () => {
  let up: Backend;
  let hits = 0;
  let s: Awaited<ReturnType<typeof serveCaddyfile>>;
  beforeAll(async () => {
    // The upstream answers per path: /missing 404 with a reason, /accel an X-Accel-Redirect, /big a 1 MiB error body.
    up = await backend((req, res) => {
      hits++;
      const path = req.url ?? '/';
      res.setHeader('X-Upstream', 'yes');
      res.setHeader('X-Secret', 'hunter2');
      if (path.includes('/missing')) {
        res.statusCode = 404;
        res.setHeader('X-Reason', 'no-such-thing');
        res.end('upstream 404 page');
      } else if (path.includes('/accel')) {
        res.setHeader('X-Accel-Redirect', '/internal/file.txt');
        res.end('ignored');
      } else if (path.includes('/big')) {
        res.statusCode = 500;
        res.end('x'.repeat(1 << 20));
      } else if (path.includes('/teapot')) {
        res.statusCode = 418;
        res.end('short and stout');
      } else {
        res.end(`upstream body for ${path}`);
      }
    });
    s = await serveCaddyfile(`
:{{PORT}} {
	bind 127.0.0.1
	handle /plain/* {
		reverse_proxy ${up.dial} {
			@missing status 404
			handle_response @missing {
				respond "not here: {rp.status_code} {rp.header.X-Reason}" 410
			}
			@accel header X-Accel-Redirect *
			handle_response @accel {
				respond "accel to {rp.header.X-Accel-Redirect}"
			}
		}
	}
	handle /copy/* {
		reverse_proxy ${up.dial} {
			@teapot status 418
			handle_response @teapot {
				header X-Handled yes
				copy_response 503
			}
			handle_response {
				copy_response_headers {
					exclude X-Secret
				}
				respond "tsweb body"
			}
		}
	}
	handle /include/* {
		reverse_proxy ${up.dial} {
			handle_response {
				copy_response_headers {
					include X-Upstream X-Reason
				}
				respond "only some"
			}
		}
	}
	handle /replace/* {
		reverse_proxy ${up.dial} {
			@missing status 404
			replace_status @missing 200
		}
	}
	handle /big/* {
		reverse_proxy ${up.dial} {
			@err status 5xx
			handle_response @err {
				respond "small answer" 502
			}
		}
	}
	handle /fail/* {
		reverse_proxy ${up.dial} {
			lb_retries 2
			fail_duration 30s
			@missing status 404
			handle_response @missing {
				error "route says no" 403
			}
		}
	}
	route /fallthrough/* {
		reverse_proxy ${up.dial} {
			@missing status 404
			handle_response @missing {
				request_header X-From-Route seen
			}
		}
		respond "after the proxy: {header.X-From-Route}"
	}
	handle /outside {
		copy_response
	}
	handle_errors {
		respond "handled error {err.status_code}: {err.message}"
	}
}`);
  });
  afterAll(async () => {
    await s?.stop();
    await up?.close();
  });

  it('a status matcher takes over a 404: the routes answer, with {rp.status_code} and {rp.header.*}', async () => {
    const r = await send(s.port, '/plain/missing');
    expect(r.status).toBe(410);
    expect(r.text).toBe('not here: 404 no-such-thing');
    // The upstream's headers do not leak into the routes' answer.
    expect(r.headers['x-upstream']).toBeUndefined();
  });

  it('a header matcher takes over an X-Accel-Redirect answer; unmatched answers are proxied as usual', async () => {
    const r = await send(s.port, '/plain/accel');
    expect([r.status, r.text]).toEqual([200, 'accel to /internal/file.txt']);
    const plain = await send(s.port, '/plain/other');
    expect([plain.status, plain.text, plain.headers['x-upstream']]).toEqual([200, 'upstream body for /plain/other', 'yes']);
  });

  it('copy_response 503 writes the upstream body and headers under another status, with the route\'s own headers', async () => {
    const r = await send(s.port, '/copy/teapot');
    expect(r.status).toBe(503);
    expect(r.text).toBe('short and stout');
    expect(r.headers['x-handled']).toBe('yes');
    expect(r.headers['x-upstream']).toBe('yes');
  });

  it('copy_response_headers: exclude drops the listed fields; include copies only those', async () => {
    const r = await send(s.port, '/copy/other');
    expect([r.status, r.text]).toEqual([200, 'tsweb body']);
    expect(r.headers['x-upstream']).toBe('yes');
    expect(r.headers['x-secret']).toBeUndefined();
    const inc = await send(s.port, '/include/missing');
    expect([inc.status, inc.text]).toEqual([200, 'only some']);
    expect([inc.headers['x-upstream'], inc.headers['x-reason'], inc.headers['x-secret']]).toEqual(['yes', 'no-such-thing', undefined]);
  });

  it('replace_status changes only the status; body and headers are the upstream\'s', async () => {
    const r = await send(s.port, '/replace/missing');
    expect([r.status, r.text, r.headers['x-reason']]).toEqual([200, 'upstream 404 page', 'no-such-thing']);
  });

  it('a large upstream body that is not copied is dropped: the client gets the small answer at once, repeatedly', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await send(s.port, '/big/x');
      expect([r.status, r.text]).toEqual([502, 'small answer']);
    }
  });

  it('an error in the routes goes to handle_errors as is: not retried, not counted against the upstream', async () => {
    const before = hits;
    const r = await send(s.port, '/fail/missing');
    expect([r.status, r.text]).toEqual([403, 'handled error 403: route says no']);
    expect(hits - before).toBe(1);
    expect(upstreamStatuses().filter((u) => u.address === up.dial).every((u) => u.fails === 0 && u.healthy)).toBe(true);
  });

  it('routes that do not answer fall through to what follows the reverse_proxy', async () => {
    const r = await send(s.port, '/fallthrough/missing');
    expect([r.status, r.text]).toEqual([200, 'after the proxy: seen']);
    // Not matched: the upstream's answer is the response.
    const other = await send(s.port, '/fallthrough/x');
    expect(other.text).toBe('upstream body for /fallthrough/x');
  });

  it('copy_response outside handle_response is a 500, as in Caddy', async () => {
    const r = await send(s.port, '/outside');
    expect(r.status).toBe(500);
    expect(r.text).toBe("handled error 500: cannot use 'copy_response' outside of reverse_proxy's handle_response routes");
  });
});

describe('handle_response config errors', () => {
  it('with the fastcgi transport (php_fastcgi) it is refused by name, not silently skipped', async () => {
    const port = await freePort();
    const { config } = adaptCaddyfile(
      `{\n\tadmin off\n}\n:${port} {\n\tbind 127.0.0.1\n\troot * /srv\n\tphp_fastcgi 127.0.0.1:9 {\n\t\t@accel header X-Accel-Redirect *\n\t\thandle_response @accel {\n\t\t\trespond "x"\n\t\t}\n\t}\n}`,
      'Caddyfile',
      { env: {} },
    );
    await expect(new Runtime({}).load(config)).rejects.toThrow(/reverse_proxy: handle_response with the fastcgi transport is not supported by tsweb yet/);
  });

  it('copy_response_headers with both include and exclude is refused at load', async () => {
    const runtime = new Runtime({});
    const port = await freePort();
    const cfg = {
      apps: {
        http: {
          servers: {
            s: {
              listen: [`127.0.0.1:${port}`],
              routes: [
                {
                  handle: [
                    { handler: 'reverse_proxy', upstreams: [{ dial: '127.0.0.1:9' }], handle_response: [{ routes: [{ handle: [{ handler: 'copy_response_headers', include: ['A'], exclude: ['B'] }] }] }] },
                  ],
                },
              ],
            },
          },
        },
      },
    };
    await expect(runtime.load(cfg)).rejects.toThrow(/handle_response 0: .*cannot define both 'exclude' and 'include' lists at the same time/);
  });
});
