import { describe, expect, it } from 'vitest';
import { adaptError, runDirectives } from '../../adapt/handlers-harness.js';

// Inputs follow Caddy's acme_server_*.caddyfiletest files (caddyfile_adapt tests), Apache-2.0.
describe('acme_server', () => {
  it('bare: just the handler', () => {
    expect(runDirectives('acme_server').values).toEqual([{ class: 'route', value: { handle: [{ handler: 'acme_server' }] } }]);
  });

  it.each([
    ['ca custom-ca\n\tchallenges dns-01 http-01', { ca: 'custom-ca', challenges: ['dns-01', 'http-01'] }],
    ['ca internal-long-lived\n\tlifetime 7d', { ca: 'internal-long-lived', lifetime: 604800000000000 }],
    ['ca internal\n\tsign_with_root', { ca: 'internal', sign_with_root: true }],
    [
      'ca custom-ca\n\tallow {\n\t\tdomains host-1.internal.example.com host-2.internal.example.com\n\t}\n\tdeny {\n\t\tdomains dc.internal.example.com\n\t}',
      {
        ca: 'custom-ca',
        policy: {
          allow: { domains: ['host-1.internal.example.com', 'host-2.internal.example.com'] },
          deny: { domains: ['dc.internal.example.com'] },
        },
      },
    ],
    ['ca x\n\tdeny {\n\t\tip_ranges 10.0.0.0/8\n\t}\n\tallow_wildcard_names', { ca: 'x', policy: { deny: { ip_ranges: ['10.0.0.0/8'] }, allow_wildcard_names: true } }],
  ])('%j', (body, handler) => {
    const { values } = runDirectives(`acme_server {\n\t${body}\n}`);
    expect(values[0]!.value).toEqual({ handle: [{ handler: 'acme_server', ...handler }] });
    // A named CA is handed to the PKI app.
    expect(values[1]).toEqual({ class: 'pki.ca', value: { id: handler.ca } });
  });

  it('resolvers, behind a matcher', () => {
    const { values } = runDirectives('acme_server /acme/* {\n\tresolvers 1.1.1.1 8.8.8.8\n}');
    expect(values).toEqual([
      { class: 'route', value: { match: [{ path: ['/acme/*'] }], handle: [{ handler: 'acme_server', resolvers: ['1.1.1.1', '8.8.8.8'] }] } },
    ]);
  });

  it.each([
    ['acme_server x', 'Wrong argument count'],
    ['acme_server {\n\tca\n}', 'Wrong argument count'],
    ['acme_server {\n\tlifetime soon\n}', 'time: invalid duration "soon"'],
    ['acme_server {\n\tresolvers\n}', 'must specify at least one resolver address'],
    ['acme_server {\n\tallow {\n\t\tdomains\n\t}\n}', 'Wrong argument count'],
    ['acme_server {\n\tdeny {\n\t\tnames a\n\t}\n}', "unrecognized 'deny' subdirective: names"],
    ['acme_server {\n\tsign_with_root yes\n}', 'Wrong argument count'],
    ['acme_server {\n\tprovisioner x\n}', 'unrecognized ACME server directive: provisioner'],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});
