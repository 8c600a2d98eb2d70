// Listener addresses as users write them in `listen`, and what they bind.
import { describe, expect, it } from 'vitest';
import { parseListenAddresses } from '../../../src/apps/http/listen.js';

describe('listen addresses', () => {
  it.each([
    [':8080', [{ network: 'tcp', host: '', port: 8080, key: 'tcp/:8080' }]],
    ['127.0.0.1:8080', [{ network: 'tcp', host: '127.0.0.1', port: 8080 }]],
    ['[::1]:8080', [{ network: 'tcp', host: '::1', port: 8080, key: 'tcp/[::1]:8080' }]],
    ['localhost:8080', [{ network: 'tcp', host: 'localhost', port: 8080 }]],
    ['tcp4/:80', [{ network: 'tcp4', host: '', port: 80 }]],
    ['tcp6/[::]:80', [{ network: 'tcp6', host: '::', port: 80 }]],
    ['unix//run/tsweb.sock', [{ network: 'unix', path: '/run/tsweb.sock', key: 'unix//run/tsweb.sock' }]],
    ['127.0.0.1:8080-8082', [{ port: 8080 }, { port: 8081 }, { port: 8082 }]],
  ])('%s', (addr, expected) => {
    const got = parseListenAddresses(addr, {});
    expect(got).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(got[i]).toMatchObject(e));
  });

  it('the same address written two ways is one listener', () => {
    expect(parseListenAddresses('tcp/:8080', {})[0]!.key).toBe(parseListenAddresses(':8080', {})[0]!.key);
  });

  it('{env.*} is resolved at load', () => {
    expect(parseListenAddresses(':{env.PORT}', { PORT: '9000' })[0]).toMatchObject({ port: 9000 });
  });

  it.each([
    ['localhost', /missing port/],
    [':http', /invalid start port/],
    [':9000-8000', /end port must not be less than start port/],
    ['udp/:443', /network udp is not supported/],
    ['fd/3', /file descriptor listeners are not supported/],
  ])('%s is refused', (addr, message) => {
    expect(() => parseListenAddresses(addr, {})).toThrow(message);
  });
});
