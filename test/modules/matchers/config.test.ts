// Matcher JSON is checked at load: Go's words for the matcher's type, the path inside its value, Caddy's chain.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/runtime/validate.js';

const matcher = (name: string, value: unknown) => ({ apps: { http: { servers: { srv0: { listen: [':80'], routes: [{ match: [{ [name]: value }] }] } } } } });
const chain = (name: string, detail: string) =>
  `loading http app module: provision http: server srv0: setting up route matchers: route 0: loading matcher modules: module name '${name}': provision http.matchers.${name}: ${detail}`;

describe('matcher configs', () => {
  it.each([
    ['path', '/foo', 'json: cannot unmarshal string into Go value of type caddyhttp.MatchPath'],
    ['host', ['a.com', 1], '[1]: json: cannot unmarshal number into Go value of type string'],
    ['method', 'GET', 'json: cannot unmarshal string into Go value of type caddyhttp.MatchMethod'],
    ['header', { Accept: 'text/html' }, 'Accept: json: cannot unmarshal string into Go value of type []string'],
    ['query', { a: [1] }, 'a[0]: json: cannot unmarshal number into Go value of type string'],
    ['vars', [], 'json: cannot unmarshal array into Go value of type caddyhttp.VarsMatcher'],
    ['path_regexp', { pattern: '^/a', nam: 'x' }, 'json: unknown field "nam"'],
    ['header_regexp', { Host: { pattern: 1 } }, 'Host.pattern: json: cannot unmarshal number into Go value of type string'],
    ['vars_regexp', { '{path}': '^/a' }, '{path}: json: cannot unmarshal string into Go value of type caddyhttp.MatchRegexp'],
    ['remote_ip', { ranges: '10.0.0.0/8' }, 'ranges: json: cannot unmarshal string into Go value of type []string'],
    ['client_ip', { range: ['10.0.0.0/8'] }, 'json: unknown field "range"'],
    ['protocol', 2, 'json: cannot unmarshal number into Go value of type caddyhttp.MatchProtocol'],
    ['tls', { handshake_complete: 'yes' }, 'handshake_complete: json: cannot unmarshal string into Go value of type bool'],
    ['not', { path: ['/a'] }, 'json: cannot unmarshal object into Go value of type []caddy.ModuleMap'],
    ['expression', { expr: '{path} == "/"', nme: 'x' }, 'json: unknown field "nme"'],
  ])('%s %j', (name, value, detail) => {
    expect(() => validateConfig(matcher(name, value))).toThrow(chain(name, detail));
  });
});
