import { describe, expect, it } from 'vitest';
import {
  joinNetworkAddress,
  networkAddressString,
  normalizeIPv6,
  parseNetworkAddress,
  splitHostPort,
  splitNetworkAddress,
  trySplitHostPort,
} from '../../src/net/netaddr.js';

describe('Go net.SplitHostPort', () => {
  it.each([
    ['a.com:80', ['a.com', '80']],
    ['[::1]:443', ['::1', '443']],
    [':8080', ['', '8080']],
    ['a.com:', ['a.com', '']],
  ])('%s', (input, want) => {
    expect(splitHostPort(input)).toEqual(want);
  });

  it.each([
    ['a.com', 'address a.com: missing port in address'],
    ['::1', 'address ::1: too many colons in address'],
    ['[::1]', 'address [::1]: missing port in address'],
    ['[::1', "address [::1: missing ']' in address"],
    ['a[b]:1', "address a[b]:1: unexpected '[' in address"],
  ])('%s fails', (input, msg) => {
    expect(trySplitHostPort(input)).toBe(msg);
  });
});

describe('IPv6 canonical text', () => {
  it.each([
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fe80::1%eth0', 'fe80::1%eth0'],
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
    ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
    ['example.com', 'example.com'],
    ['1.2.3.4', '1.2.3.4'],
    ['not:an:ip', 'not:an:ip'],
  ])('%s → %s', (input, want) => {
    expect(normalizeIPv6(input)).toBe(want);
  });
});

describe('Caddy network addresses', () => {
  it.each([
    ['unix//run/x.sock', { network: 'unix', host: '/run/x.sock', port: '' }],
    ['fd/3', { network: 'fd', host: '3', port: '' }],
    ['tcp6/[::1]:80', { network: 'tcp6', host: '::1', port: '80' }],
    ['127.0.0.1', { network: '', host: '127.0.0.1', port: '' }],
    ['[::1]', { network: '', host: '::1', port: '' }],
  ])('splits %s', (input, want) => {
    expect(splitNetworkAddress(input)).toEqual(want);
  });

  it.each([
    [['', '', '443'], ':443'],
    [['tcp6', '::', '443'], 'tcp6/[::]:443'],
    [['unix', '/x.sock', '443'], 'unix//x.sock'],
    [['', '10.0.0.1', ''], '10.0.0.1'],
  ] as [[string, string, string], string][])('joins %j', (parts, want) => {
    expect(joinNetworkAddress(...parts)).toBe(want);
  });

  it('parses and prints port ranges, omitting the default tcp network', () => {
    const na = parseNetworkAddress('localhost:8000-8005');
    expect(na).toEqual({ network: 'tcp', host: 'localhost', startPort: 8000, endPort: 8005 });
    expect(networkAddressString(na)).toBe('localhost:8000-8005');
    expect(networkAddressString(parseNetworkAddress('udp/:443'))).toBe('udp/:443');
    expect(() => parseNetworkAddress(':90-80')).toThrow('end port must not be less than start port');
    expect(() => parseNetworkAddress(':x')).toThrow('invalid start port');
  });
});
