import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatCaddyfile } from '../../src/caddyfile/formatter.js';

/**
 * Differential test against the real `caddy fmt` (Debian's 2.6.2, installed
 * by scripts/system-deps.sh). If caddy is missing, every case fails.
 *
 * 2.6.2 predates behaviours tsweb follows from current Caddy, so inputs that
 * hit them are left out here and covered by formatter.test.ts instead:
 *  - heredocs (`<<EOF`, Caddy 2.7) and backtick strings (braces/line breaks
 *    inside them are content since 2.10 and #7425);
 *  - no trailing space on a line before a line that starts with a `{…}`
 *    token such as `{block}` or `{$ENV}` (2.6.2 writes one; fixed for #6881);
 *  - a `{` alone on the line after a top-level `import` line (#7642);
 *  - the few garbling quirks tsweb does not copy (see formatter.ts).
 */
const inputs: [name: string, input: string][] = [
  [
    'site with space indentation',
    `example.com {
    encode zstd gzip
    reverse_proxy   10.0.0.1:8080   10.0.0.2:8080 {
        lb_policy least_conn
        health_uri /healthz
    }
}
`,
  ],
  [
    'global options with nested blocks',
    `{
  email admin@example.com
  admin off
  servers :443 {
    protocols h1 h2 h3
    timeouts {
      read_body 10s
      idle 2m
    }
  }
  log {
    output stderr
    format console
    level DEBUG
  }
}

example.com {
  respond "hello"
}
`,
  ],
  [
    'comments and blank lines everywhere',
    `# Top comment


# another one
example.com {   # trailing comment after brace
	# inside
	root * /srv   # where files live



	file_server browse
	#commented_out directive
}
# between blocks


example.org {
	respond 204
}
`,
  ],
  [
    'named matchers, handle, handle_path, route',
    `example.com {
@api {
path /api/*
method GET POST
}
@static path *.css *.js *.png
handle @api {
reverse_proxy localhost:9000
}
handle_path /static/* {
root * /var/www/static
file_server
}
route {
header @static Cache-Control "public, max-age=3600"
respond "fallback" 200
}
}
`,
  ],
  [
    'snippets and imports with arguments',
    `(common) {
	encode gzip
	header {
		-Server
		X-Content-Type-Options nosniff
	}
}

(proxy) {
	reverse_proxy {args[0]} {
		header_up Host {upstream_hostport}
	}
}

a.example.com {
	import common
	import proxy localhost:3000
}

b.example.com {
	import common
	import proxy localhost:4000
}
`,
  ],
  [
    'env placeholders in addresses and arguments',
    `{$SITE_ADDRESS:localhost}, {$EXTRA_ADDRESS:example.net} {
	root * {$ROOT:/srv}
	reverse_proxy {$UPSTREAM}   {env.BACKUP_UPSTREAM}
	respond /health "{http.request.host} ok"
}
`,
  ],
  [
    'quoted strings and escapes',
    `example.com {
	header Content-Security-Policy   "default-src 'self'; img-src 'self' data:"
	header X-Quote   "say \\"hi\\""
	respond "multi
line   body" 200
	rewrite * /index.php?{query}&p={path}
	redir /old "/new path" permanent
}
`,
  ],
  [
    'php site',
    `example.com {
root * /var/www/html
php_fastcgi unix//run/php/php-fpm.sock {
  split .php
  index index.php
}
try_files {path} {path}/ /index.php?{query}
encode zstd gzip
file_server
}
`,
  ],
  [
    'reverse proxy with transport and health checks',
    `api.example.com {
	reverse_proxy {
		to https://10.0.0.1:8443 https://10.0.0.2:8443
		lb_policy cookie lb
		lb_try_duration 5s
		health_uri /ready
		health_interval 10s
		header_up X-Real-IP {remote_host}
		header_down -Server
		transport http {
			tls
			tls_insecure_skip_verify
			keepalive 30s
			versions 1.1 2
		}
	}
}
`,
  ],
  [
    'tls options and one-line blocks',
    `{
	on_demand_tls { ask http://localhost:5555/check }
}

https:// {
	tls { on_demand }
	tls internal { lifetime 7d }
	respond "on demand" 200
}
`,
  ],
  [
    'braces on their own lines and glued braces',
    `example.com
{
	handle /a
	{
		respond "a"
	}
	handle /b{
		respond "b"
	}
}
example.org{
	respond "org"
}`,
  ],
  [
    'log block',
    `example.com {
	log {
		output file /var/log/caddy/access.log {
			roll_size 50mb
			roll_keep 5
			roll_keep_for 720h
		}
		format json
	}
	file_server
}
`,
  ],
  [
    'redirects, rewrites and responses',
    `www.example.com {
	redir https://example.com{uri} 301
}
example.com {
	uri strip_prefix /app
	rewrite /docs/* /documentation{path}
	@notFound {
		not file
		not path /api/*
	}
	respond @notFound "Not found" 404 {
		close
	}
	error /private/* "Forbidden" 403
	handle_errors {
		respond "{err.status_code} {err.status_text}"
	}
}
`,
  ],
  [
    'basic auth and single-line matchers',
    `example.com {
	@admin path /admin/*
	basicauth @admin {
		alice $2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG
		bob   $2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG
	}
	@websockets {
		header Connection *Upgrade*
		header Upgrade websocket
	}
	reverse_proxy @websockets localhost:6001
	reverse_proxy localhost:8080
}
`,
  ],
  [
    'unbraced single site',
    `localhost:8080

root * ./public
  file_server   browse
templates
`,
  ],
  [
    'deep nesting and close braces sharing lines',
    `example.com {
	route /api/* {
		handle /api/v1/* {
			route {
				header X-Version 1
				reverse_proxy localhost:9001 { lb_policy first } } }
	}
	handle { respond "ok" } }
`,
  ],
  [
    'windows line endings',
    'example.com {\r\n\treverse_proxy localhost:8080\r\n\r\n\r\n\tencode gzip\r\n}\r\n',
  ],
  [
    'tabs, trailing whitespace and odd indentation',
    '\t\t{\n  debug \t\n\t\t\t}\n\n\n:8080 {   \n        respond    "x"    200   \n\t}\n\n\n\n:9090 {\n respond /a 200\n}   \n',
  ],
  [
    // Caddy writes a comment's line break at once, so up to two blank lines can follow one
    'blank lines after a trailing comment',
    'foo # inline\n\n\nbar\n\n\n\n# own line\n\n\n\nbaz\n',
  ],
  [
    'matchers with expressions and quoted regexes',
    `example.com {
	@post expression {method} == "POST"
	@img path_regexp img "\\.(png|jpe?g|gif)$"
	@hostmatch host   example.com   www.example.com
	vars @post is_post true
	header @img Cache-Control "max-age=31536000"
	map {host} {backend} {
		example.com 10.0.0.1
		default 10.0.0.9
	}
	reverse_proxy {backend}:8080
}
`,
  ],
];

function caddyFmt(input: string): string {
  return execFileSync('caddy', ['fmt', '-'], { input, encoding: 'utf8' });
}

describe('formatCaddyfile matches `caddy fmt` byte for byte', () => {
  it('has the caddy binary to compare with', () => {
    expect(execFileSync('caddy', ['version'], { encoding: 'utf8' })).toMatch(/^v?2\./);
  });
  it.each(inputs)('%s', (_name, input) => {
    const theirs = caddyFmt(input);
    expect(formatCaddyfile(input)).toBe(theirs);
    expect(formatCaddyfile(theirs)).toBe(theirs);
  });
});
