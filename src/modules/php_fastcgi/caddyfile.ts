/**
 * php_fastcgi [<matcher>] <php-fpm_gateways...> {
 *     root <path>
 *     split <substrings...>
 *     env <key> <value>
 *     resolve_root_symlink
 *     index <filename>|off
 *     try_files <files...>
 *     dial_timeout|read_timeout|write_timeout <duration>
 *     capture_stderr
 *     <any other reverse_proxy subdirectives...>
 * }
 *
 * Sugar for the usual PHP front-controller setup (Caddy's
 * fastcgi/caddyfile.go): redirect directories to a trailing slash when they
 * have an index file, rewrite to the first existing file (falling back to the
 * index), and proxy `*.php` over FastCGI. The routes stay together in this
 * order; with a user matcher they are wrapped in a subroute behind it.
 */
import { moduleObject } from '../../go/json.js';
import { deleteN } from '../reverse_proxy/caddyfile_deleten.js';
import { parseReverseProxy } from '../reverse_proxy/caddyfile.js';
import { fastcgiTimeout } from '../reverse_proxy/caddyfile_transports.js';
import type { FastCGIOptions, FastCGITransportConfig } from '../reverse_proxy/config.js';
import { directive } from '../../adapt/registry.js';
import type { JSONObject, RouteJSON } from '../../adapt/types.js';

export const phpFastcgiDirective = directive('php_fastcgi', (h) => {
  if (!h.next()) throw h.argErr();
  const transport: FastCGIOptions = {};
  let extensions = ['.php'];
  let indexFile = 'index.php';
  let tryFiles: string[] = [];

  const userMatcherSet = h.extractMatcherSet();
  const d = h.newFromNextSegment();

  // Take out php_fastcgi's own subdirectives; reverse_proxy would reject them.
  while (d.next()) {
    while (d.nextBlock(0)) {
      // Only direct subdirectives, not same-named lines inside nested blocks.
      if (d.getNesting() !== 1) continue;
      switch (d.val()) {
        case 'root':
          if (!d.nextArg()) throw d.argErr();
          if (d.val() !== '') transport.root = d.val();
          deleteN(d, 2);
          break;
        case 'split':
          extensions = d.remainingArgs();
          deleteN(d, extensions.length + 1);
          if (extensions.length === 0) throw d.argErr();
          break;
        case 'env': {
          const args = d.remainingArgs();
          deleteN(d, args.length + 1);
          if (args.length !== 2) throw d.argErr();
          (transport.env ??= {})[args[0]!] = args[1]!;
          break;
        }
        case 'index': {
          const args = d.remainingArgs();
          deleteN(d, args.length + 1);
          if (args.length !== 1) throw d.argErr();
          indexFile = args[0]!;
          break;
        }
        case 'try_files': {
          const args = d.remainingArgs();
          deleteN(d, args.length + 1);
          if (args.length < 1) throw d.argErr();
          tryFiles = args;
          break;
        }
        case 'resolve_root_symlink':
          deleteN(d, d.remainingArgs().length + 1);
          transport.resolve_root_symlink = true;
          break;
        case 'dial_timeout':
        case 'read_timeout':
        case 'write_timeout':
          fastcgiTimeout(d, transport, d.val() as 'dial_timeout');
          deleteN(d, 2);
          break;
        case 'capture_stderr':
          deleteN(d, d.remainingArgs().length + 1);
          transport.capture_stderr = true;
          break;
      }
    }
  }
  d.reset();

  transport.split_path = extensions;
  const routes: RouteJSON[] = [];
  if (indexFile !== 'off') {
    const dirIndex = `{http.request.uri.path}/${indexFile}`;
    let tryPolicy = 'first_exist_fallback';
    let dirRedir = false;
    if (tryFiles.length === 0) {
      tryFiles = ['{http.request.uri.path}', dirIndex, indexFile];
      dirRedir = true;
    } else {
      // A last entry that is not PHP is a fallback file, not a front controller.
      if (!tryFiles[tryFiles.length - 1]!.endsWith('.php')) tryPolicy = '';
      dirRedir = tryFiles.includes(dirIndex);
    }
    if (dirRedir) {
      routes.push({
        match: [{ file: { try_files: [dirIndex] }, not: [{ path: ['*/'] }] }],
        handle: [
          moduleObject(
            {
              status_code: 308,
              headers: { Location: ['{http.request.orig_uri.path}/{http.request.orig_uri.prefixed_query}'] },
            },
            'handler',
            'static_response',
          ),
        ],
      });
    }
    const fileMatcher: JSONObject = { try_files: tryFiles };
    if (tryPolicy !== '') fileMatcher.try_policy = tryPolicy;
    fileMatcher.split_path = extensions;
    routes.push({
      match: [{ file: fileMatcher }],
      handle: [moduleObject({ uri: '{http.matchers.file.relative}' }, 'handler', 'rewrite')],
    });
  }

  const handler = parseReverseProxy(h, d, { transport: moduleObject(transport, 'protocol', 'fastcgi') as FastCGITransportConfig });
  routes.push({ match: [{ path: extensions.map((ext) => `*${ext}`) }], handle: [handler] });

  if (userMatcherSet) {
    const subroute = moduleObject({ routes }, 'handler', 'subroute');
    return [{ class: 'route', value: { match: [userMatcherSet], handle: [subroute] } }];
  }
  // A bare route list (Caddy returns a Subroute value): the adapter splices
  // these routes into the site as they are, together and in this order.
  return [{ class: 'route', value: { routes } }];
});
