import { describe, expect, it } from 'vitest';
import { expandShorthands, wasReplacedPlaceholderShorthand } from '../../src/adapt/shorthands.js';
import { siteRoutes } from './core-harness.js';

describe('placeholder shorthands', () => {
  it.each([
    ['{host}', '{http.request.host}'],
    ['{hostport}', '{http.request.hostport}'],
    ['{port}', '{http.request.port}'],
    ['{uri}', '{http.request.uri}'],
    ['{path}', '{http.request.uri.path}'],
    ['{dir}/{file}', '{http.request.uri.path.dir}/{http.request.uri.path.file}'],
    ['{query}', '{http.request.uri.query}'],
    ['{?query}', '{http.request.uri.prefixed_query}'],
    ['{%uri}', '{http.request.uri_escaped}'],
    ['{%path}?{%query}', '{http.request.uri.path_escaped}?{http.request.uri.query_escaped}'],
    ['{orig_?query}', '{http.request.orig_uri.prefixed_query}'],
    ['{remote_host}:{remote_port}', '{http.request.remote.host}:{http.request.remote.port}'],
    ['{client_ip}', '{http.vars.client_ip}'],
    ['{upstream_hostport}', '{http.reverse_proxy.upstream.hostport}'],
    ['{tls_client_certificate_der_base64}', '{http.request.tls.client.certificate_der_base64}'],
    ['{header.X-Forwarded-For}', '{http.request.header.X-Forwarded-For}'],
    ['{cookie.session}', '{http.request.cookie.session}'],
    ['{labels.1}', '{http.request.host.labels.1}'],
    ['{path.0}', '{http.request.uri.path.0}'],
    ['{file.base}', '{http.request.uri.path.file.base}'],
    ['{query.page}', '{http.request.uri.query.page}'],
    ['{re.name.1}', '{http.regexp.name.1}'],
    ['{vars.foo}', '{http.vars.foo}'],
    ['{rp.upstream.address}', '{http.reverse_proxy.upstream.address}'],
    ['{resp.status_code}', '{http.intercept.status_code}'],
    ['{err.status_code}', '{http.error.status_code}'],
    ['{file_match.relative}', '{http.matchers.file.relative}'],
    ['{{host}}', '{{http.request.host}}'],
    ['{hosts}', '{hosts}'],
    ['{$HOME}', '{$HOME}'],
    ['plain', 'plain'],
  ])('%s → %s', (input, want) => {
    expect(expandShorthands(input)).toBe(want);
  });

  it('applies to every token of a site, matchers included', () => {
    const routes = siteRoutes(':80 {\n  @h header X-Host {host}\n  respond @h "{path} {header.Foo}"\n}');
    expect(routes[0]!.match).toEqual([{ header: { 'X-Host': ['{http.request.host}'] } }]);
    expect(routes[0]!.handle[0].body).toBe('{http.request.uri.path} {http.request.header.Foo}');
  });

  it('names the shorthand a full placeholder came from', () => {
    expect(wasReplacedPlaceholderShorthand('{http.request.uri.path}')).toBe('{path}');
    expect(wasReplacedPlaceholderShorthand('{other}')).toBe('');
    // Caddy trims either brace from either end (strings.Trim(token, "{}")).
    expect(wasReplacedPlaceholderShorthand('}http.request.uri_escaped{')).toBe('{%uri}');
  });
});
