/**
 * redir [<matcher>] <to> [<code>]
 *
 * <code> is `temporary` (302, the default), `permanent` (301), `html` (a
 * 200 page that redirects browsers with JS and a meta refresh), a
 * placeholder, or a number in 300–399 or 401 (401 + Location lets XHR
 * clients see where to go, where a 3xx would be followed invisibly).
 */
import { handlerDirective } from '../../adapt/registry.js';
import { weakString } from '../../adapt/weakstring.js';
import type { HTTPHeaderConfig } from '../../core/header_ops.js';
import type { StaticResponseConfig } from './config.js';

export const redirDirective = handlerDirective('redir', (h) => {
  h.next(); // directive name
  if (!h.nextArg()) throw h.argErr();
  const to = h.val();
  let code = h.nextArg() ? h.val() : '';
  // Caddy takes at most these two arguments and ignores anything after them.

  let body: string | undefined;
  let headers: HTTPHeaderConfig | undefined;
  switch (code) {
    case 'permanent':
      code = '301';
      break;
    case 'temporary':
    case '':
      code = '302';
      break;
    case 'html': {
      const safe = htmlEscape(to);
      body = `<!DOCTYPE html>
<html>
	<head>
		<title>Redirecting...</title>
		<script>window.location.replace("${safe}");</script>
		<meta http-equiv="refresh" content="0; URL='${safe}'">
	</head>
	<body>Redirecting to <a href="${safe}">${safe}</a>...</body>
</html>
`;
      headers = { 'Content-Type': ['text/html; charset=utf-8'] };
      code = '200';
      break;
    }
    default: {
      if (code.startsWith('{')) break; // a placeholder, checked at request time
      if (!/^[+-]?\d+$/.test(code)) throw h.err(`Not a supported redir code type or not valid integer: '${code}'`);
      const n = Number(code);
      if (n < 300 || (n > 399 && n !== 401)) throw h.err(`Redir code not in the 3xx range or 401: '${n}'`);
    }
  }
  if (code !== '200') headers = { Location: [to] };

  const out: StaticResponseConfig = { handler: 'static_response', status_code: weakString(code) };
  if (headers) out.headers = headers;
  if (body !== undefined) out.body = body;
  return out;
});

/** Go's html.EscapeString. */
function htmlEscape(s: string): string {
  return s.replace(/[&'<>"]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;' })[c]!);
}
