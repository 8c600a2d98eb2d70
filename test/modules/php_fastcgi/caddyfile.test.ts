import { describe, expect, it } from 'vitest';
import { adaptErr, adaptSite, type J } from '../../adapt/proxy-harness.js';

const redirRoute = (index = 'index.php'): J => ({
  match: [{ file: { try_files: [`{http.request.uri.path}/${index}`] }, not: [{ path: ['*/'] }] }],
  handle: [
    {
      handler: 'static_response',
      headers: { Location: ['{http.request.orig_uri.path}/{http.request.orig_uri.prefixed_query}'] },
      status_code: 308,
    },
  ],
});

const rewriteRoute = (file: J): J => ({ match: [{ file }], handle: [{ handler: 'rewrite', uri: '{http.matchers.file.relative}' }] });

const proxyRoute = (exts: string[], transport: J, extra: J = {}, dials = ['localhost:9000']): J => ({
  match: [{ path: exts.map((e) => `*${e}`) }],
  handle: [{ handler: 'reverse_proxy', transport: { protocol: 'fastcgi', split_path: exts, ...transport }, upstreams: dials.map((dial) => ({ dial })), ...extra }],
});

const php = (block: string, upstream = 'localhost:9000'): J[] => adaptSite(`php_fastcgi ${upstream}${block ? ` {\n${block}\n}` : ''}`).routes;

// Expectations follow Caddy's php_fastcgi_*.caddyfiletest files (caddyfile_adapt tests, Apache-2.0).
describe('php_fastcgi', () => {
  it('expands into a redirect, a try_files rewrite and a proxy for PHP files, spliced into the site', () => {
    expect(php('')).toEqual([
      redirRoute(),
      rewriteRoute({
        try_files: ['{http.request.uri.path}', '{http.request.uri.path}/index.php', 'index.php'],
        try_policy: 'first_exist_fallback',
        split_path: ['.php'],
      }),
      proxyRoute(['.php'], {}),
    ]);
  });

  it('takes its own subdirectives and passes the rest to reverse_proxy', () => {
    const routes = php('\tsplit .php .php5\n\tenv VAR1 value1\n\tenv VAR2 value2\n\troot /var/www\n\tindex index.php5\n\tlb_policy random');
    expect(routes).toEqual([
      redirRoute('index.php5'),
      rewriteRoute({
        try_files: ['{http.request.uri.path}', '{http.request.uri.path}/index.php5', 'index.php5'],
        try_policy: 'first_exist_fallback',
        split_path: ['.php', '.php5'],
      }),
      proxyRoute(
        ['.php', '.php5'],
        { env: { VAR1: 'value1', VAR2: 'value2' }, root: '/var/www' },
        { load_balancing: { selection_policy: { policy: 'random' } } },
      ),
    ]);
  });

  it('index off leaves only the proxy route', () => {
    const routes = php('\tindex off\n\tdial_timeout 3s\n\tread_timeout 10s\n\twrite_timeout 20s\n\tcapture_stderr\n\tresolve_root_symlink');
    expect(routes).toEqual([
      proxyRoute(['.php'], {
        capture_stderr: true,
        dial_timeout: 3e9,
        read_timeout: 10e9,
        resolve_root_symlink: true,
        write_timeout: 20e9,
      }),
    ]);
  });

  it.each<[string, J[]]>([
    // The directory index is tried, so directories still get their trailing slash; a non-PHP last file is a plain fallback.
    [
      'try_files {path} {path}/index.php =404',
      [redirRoute(), rewriteRoute({ try_files: ['{http.request.uri.path}', '{http.request.uri.path}/index.php', '=404'], split_path: ['.php'] })],
    ],
    // No directory index: no redirect; a PHP last file stays the front controller.
    [
      'try_files {path} index.php',
      [rewriteRoute({ try_files: ['{http.request.uri.path}', 'index.php'], try_policy: 'first_exist_fallback', split_path: ['.php'] })],
    ],
  ])('try_files %s', (line, firstRoutes) => {
    expect(php(`\t${line}`)).toEqual([...firstRoutes, proxyRoute(['.php'], {})]);
  });

  it('wraps everything in a subroute behind a user matcher (php_fastcgi_matcher)', () => {
    // The host matcher makes the site itself a subroute too; ours is inside it.
    const { routes } = adaptSite('@test host example.com\nphp_fastcgi @test localhost:9000');
    const inner = routes[0].handle[0].routes;
    expect(inner).toHaveLength(1);
    expect(inner[0].match).toEqual([{ host: ['example.com'] }]);
    const sub = inner[0].handle[0];
    expect(sub.handler).toBe('subroute');
    // Inside a handler, Caddy's JSON has sorted keys: handle before match.
    expect(Object.keys(sub.routes[0])).toEqual(['handle', 'match']);
    expect(sub.routes.map((r: J) => r.handle[0].handler)).toEqual(['static_response', 'rewrite', 'reverse_proxy']);
    expect(sub.routes[2].handle[0].transport).toEqual({ protocol: 'fastcgi', split_path: ['.php'] });
  });

  it('takes several gateways and unix sockets', () => {
    const routes = php('\tindex off', 'unix//run/php/php-fpm.sock 10.0.0.2:9000');
    expect(routes[0].handle[0].upstreams).toEqual([{ dial: 'unix//run/php/php-fpm.sock' }, { dial: '10.0.0.2:9000' }]);
  });

  it('leaves same-named lines in nested blocks to their owners', () => {
    // `root` inside lb_policy's block is lb_policy's business (and an error there).
    expect(adaptErr('php_fastcgi localhost:9000 {\n\tlb_policy header X {\n\t\troot /x\n\t}\n}')).toContain("unrecognized option 'root'");
  });

  it('keeps the proxy after try_files and file_server-style directives in site order', () => {
    const { routes } = adaptSite('file_server\nphp_fastcgi localhost:9000\nroot * /srv');
    expect(routes.flatMap((r: J) => r.handle.map((h: J) => h.handler))).toEqual([
      'vars',
      'static_response',
      'rewrite',
      'reverse_proxy',
      'file_server',
    ]);
  });

  it.each([
    ['root', 'Wrong argument count'],
    // These lines are already deleted when Caddy complains, so it names the token before them.
    ['split', "Unexpected token '{', expecting argument"],
    ['env A', "Unexpected token '{', expecting argument"],
    ['index a b', "Unexpected token '{', expecting argument"],
    ['lb_policy first\n\ttry_files', "Wrong argument count or unexpected line ending after 'first'"],
    ['dial_timeout soon', 'bad timeout value soon: time: invalid duration "soon"'],
    ['transport http', 'transport already specified'],
    ['bogus 1', 'unrecognized subdirective bogus'],
  ])('rejects %j', (line, msg) => {
    expect(adaptErr(`php_fastcgi localhost:9000 {\n\t${line}\n}`)).toContain(msg);
  });
});
