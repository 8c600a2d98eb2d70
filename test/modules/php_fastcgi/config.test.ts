import { describe, expect, it } from 'vitest';
import { adaptCaddyfile } from '../../../src/adapt/index.js';
import { validateConfig } from '../../../src/runtime/validate.js';

// `index off`: only the proxy route.
const adapted = () => adaptCaddyfile(':8884 {\n\tphp_fastcgi localhost:9000 {\n\t\tindex off\n\t}\n}\n', 'Caddyfile', { env: {} }).config;

/** The reverse_proxy handler wherever the adapter put it. */
function proxyOf(v: unknown): Record<string, unknown> | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  if ((v as Record<string, unknown>).handler === 'reverse_proxy') return v as Record<string, unknown>;
  for (const x of Object.values(v)) {
    const found = proxyOf(x);
    if (found) return found;
  }
  return undefined;
}

describe('php_fastcgi output, checked as reverse_proxy config', () => {
  it('is accepted with its fastcgi transport (test/modules/reverse_proxy/fastcgi runs it against php-fpm)', () => {
    const config = adapted();
    expect(proxyOf(config)?.transport).toEqual({ protocol: 'fastcgi', split_path: ['.php'] });
    expect(() => validateConfig(config)).not.toThrow();
  });
  it('a broken fastcgi field is named by its JSON path', () => {
    const config = adapted();
    (proxyOf(config)!.transport as Record<string, unknown>).split_path = ['.phé'];
    expect(() => validateConfig(config)).toThrow('provision http.handlers.reverse_proxy: transport.split_path[0]: split path contains non-ASCII characters');
    (proxyOf(config)!.transport as Record<string, unknown>).split_path = ['.php'];
    (proxyOf(config)!.transport as Record<string, unknown>).keep_alive = {};
    expect(() => validateConfig(config)).toThrow('provision http.handlers.reverse_proxy: transport: json: unknown field "keep_alive"');
  });
  it('an unknown field beside the transport is named first', () => {
    const config = adapted();
    (proxyOf(config)!.upstreams as Array<Record<string, unknown>>)[0]!.weight = 2;
    expect(() => validateConfig(config)).toThrow('provision http.handlers.reverse_proxy: upstreams[0]: json: unknown field "weight"');
  });
});
