// The real Caddy (Debian's 2.6.2) and `tsweb run` serve the same Caddyfile
// on two free ports; the same requests must get the same status, body and
// headers (except the ones that name the server or the moment).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pair, type Req, startPair } from './serve-diff.js';

// Only core handlers and matchers; `error` messages without placeholders
// (Caddy 2.6.2 did not replace them, current Caddy does).
const site = `{
	admin off
}

:{{PORT:main}} {
	vars greeting hello
	handle /hello {
		respond "{vars.greeting} {path}" 201
	}
	handle /json {
		respond \`{"ok": true}\`
	}
	handle /teapot {
		error "short and stout" 418
	}
	handle /gone {
		error "it went away" 410
	}
	handle /abort {
		abort
	}
	route /route/* {
		respond /route/first "first"
		respond "second"
	}
	handle /status {
		respond 204
	}
	handle {
		respond "fallback {method}"
	}
	handle_errors {
		respond "{err.status_code} {err.status_text}: {err.message}"
	}
}

:{{PORT:empty}} {
}
`;

const requests: Req[] = [
  { path: '/hello' },
  { path: '/json' },
  { path: '/teapot' },
  { path: '/gone' },
  { path: '/route/first' },
  { path: '/route/other' },
  { path: '/status' },
  { path: '/anything/else?x=1' },
  { method: 'POST', path: '/anything' },
  { method: 'HEAD', path: '/hello' },
];

describe('tsweb run answers as caddy run does', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair(site);
  });
  afterAll(() => pair?.stop());

  it.each(requests.map((r) => [`${r.method ?? 'GET'} ${r.path}`, r] as const))('%s', async (_name, r) => {
    const [fromCaddy, fromTsweb] = await pair.both(r);
    expect(fromTsweb).toEqual(fromCaddy);
  });

  it('abort drops the connection in both', async () => {
    expect(await pair.both({ path: '/abort' })).toEqual(['dropped', 'dropped']);
  });
});
