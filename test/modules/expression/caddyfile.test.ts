/**
 * The expression matcher as Caddyfile users write it: shorthand
 * placeholders, the backtick `@name` form, regexp captures used by a later
 * handler, vars/vars_regexp after the vars directive, file(), and
 * handle_errors with status codes (newer Caddy adapts those to an
 * expression on {http.error.status_code}).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../../support/client.js';
import { serveSite, type Served } from './support.js';

const root = mkdtempSync(join(tmpdir(), 'tsweb-cel-'));
writeFileSync(join(root, 'exists.txt'), 'file');
writeFileSync(join(root, 'index.php'), '<?php');

let s: Served;
beforeAll(async () => {
  s = await serveSite(`
	root * ${root}
	vars tier gold
	@api \`{path}.startsWith("/api") && {method} == "POST"\`
	respond @api "api {method}"
	@user expression path_regexp('^/user/(?P<id>[a-z]+)$')
	respond @user "user {re.user.id} {re.user.1}"
	@named expression path_regexp('item', '^/item/([0-9]+)$') && header_regexp('ua', 'User-Agent', '^probe/(.+)$')
	respond @named "item {re.item.1} via {re.ua.1}"
	@gold expression vars({'tier': 'gold'}) && vars_regexp('t', 'tier', '^(g)old$') && path('/tier')
	respond @gold "tier {re.t.1}"
	@file expression file({'try_files': [{path}, '/index.php']}) && path('/files/*', '/exists.txt')
	respond @file "file {http.matchers.file.relative}"
	@query expression {query.q} == "x" && path('/q')
	respond @query "query"
	error /boom 503
	error /teapot 418
	respond /ok "ok"
	file_server
	handle_errors 404 5xx {
		respond "handled {err.status_code}"
	}
	handle_errors 418 {
		respond "short and stout" 200
	}`);
});
afterAll(async () => {
  await s.stop();
  rmSync(root, { recursive: true, force: true });
});

const get = (path: string, opts: Parameters<typeof send>[2] = {}) => send(s.port, path, opts);

describe('Caddyfile forms', () => {
  it('shorthand placeholders in a backtick matcher', async () => {
    expect((await get('/api/v1', { method: 'POST' })).text).toBe('api POST');
    expect((await get('/api/v1')).status).toBe(404);
  });

  it('path_regexp without a name is named after the matcher; captures reach the respond handler', async () => {
    expect((await get('/user/alice')).text).toBe('user alice alice');
  });

  it('named path_regexp and header_regexp captures', async () => {
    const r = await get('/item/42', { headers: { 'User-Agent': 'probe/1.0' } });
    expect(r.text).toBe('item 42 via 1.0');
  });

  it('vars and vars_regexp see what the vars directive set', async () => {
    expect((await get('/tier')).text).toBe('tier g');
  });

  it('file() with try_files sets the file placeholders', async () => {
    expect((await get('/exists.txt')).text).toBe('file /exists.txt');
    expect((await get('/files/missing')).text).toBe('file /index.php');
  });

  it('{query.*} shorthand', async () => {
    expect((await get('/q?q=x')).text).toBe('query');
    expect((await get('/q?q=y')).status).toBe(404);
  });
});

describe('handle_errors with status codes', () => {
  it('404 and 5xx go to the first block, its codes as an expression', async () => {
    const nf = await get('/nothing-here');
    expect([nf.status, nf.text]).toEqual([404, 'handled 404']);
    const boom = await get('/boom');
    expect([boom.status, boom.text]).toEqual([503, 'handled 503']);
  });

  it('another code goes to its own block; a plain response is untouched', async () => {
    const t = await get('/teapot');
    expect([t.status, t.text]).toEqual([200, 'short and stout']);
    expect((await get('/ok')).text).toBe('ok');
  });
});
