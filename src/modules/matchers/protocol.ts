/**
 * protocol: "http" / "https" (whether the connection is TLS), "grpc"
 * (Content-Type application/grpc*), or an HTTP version: "http/1.0",
 * "http/1.1", "http/2", "http/3", each with a "+" for "at least".
 * Anything else never matches, as in Caddy.
 */
import { matcherModule } from '../../core/registry.js';
import type { Ctx, Matcher } from '../../core/types.js';
import { decodeProtocol } from './config.js';

/** [major, minor] of Go's r.ProtoMajor / ProtoMinor. */
function version(ctx: Ctx): [number, number] {
  const m = /^HTTP\/(\d+)\.(\d+)$/.exec(ctx.proto);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

const atLeast = (ctx: Ctx, major: number, minor: number) => {
  const [a, b] = version(ctx);
  return a > major || (a === major && b >= minor);
};

function provision(config: string): Matcher {
  switch (config) {
    case 'grpc':
      return (ctx) => {
        const ct = ctx.req.headers['content-type'];
        return typeof ct === 'string' && ct.startsWith('application/grpc');
      };
    case 'https':
      return (ctx) => ctx.scheme === 'https';
    case 'http':
      return (ctx) => ctx.scheme === 'http';
    case 'http/1.0':
      return (ctx) => ctx.proto === 'HTTP/1.0';
    case 'http/1.0+':
      return (ctx) => atLeast(ctx, 1, 0);
    case 'http/1.1':
      return (ctx) => ctx.proto === 'HTTP/1.1';
    case 'http/1.1+':
      return (ctx) => atLeast(ctx, 1, 1);
    case 'http/2':
      return (ctx) => version(ctx)[0] === 2;
    case 'http/2+':
      return (ctx) => atLeast(ctx, 2, 0);
    case 'http/3':
      return (ctx) => version(ctx)[0] === 3;
    case 'http/3+':
      return (ctx) => atLeast(ctx, 3, 0);
  }
  return () => false;
}

export const protocolMatcher = matcherModule('protocol', { decode: decodeProtocol, provision });
