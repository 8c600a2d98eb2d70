/**
 * Caddy's HTTPChallengeHandler: before any route, a GET for
 * /.well-known/acme-challenge/<token> (plain HTTP, or HTTPS when a CA
 * followed a redirect there) whose host has a pending HTTP-01
 * challenge (this process's, or another instance's in the shared storage)
 * is answered with the key authorization. Anything else goes on to the
 * routes unchanged. The check a request pays is one string prefix test.
 */
import type { IncomingMessage } from 'node:http';
import { acmeTLS1, httpChallengeAnswer, httpChallengePrefix } from '../../tls/acme/challenge_answer.js';
import type { ResponseWriter } from '../../core/response.js';

/** Where a request that turns out not to be a challenge goes on (the server's routes). */
export interface ChallengeFallback {
  route(req: IncomingMessage, w: ResponseWriter): void;
}

/**
 * True when the request was taken: a lookup runs, then either the answer is
 * written or the request goes on to `fallback.route`.
 */
export function takeHTTPChallenge(req: IncomingMessage, w: ResponseWriter, fallback: ChallengeFallback): boolean {
  if (req.method !== 'GET' || req.url === undefined || !req.url.startsWith(httpChallengePrefix)) return false;
  const path = req.url.split('?', 1)[0]!;
  httpChallengeAnswer(req.headers.host ?? '', path, req.socket.remoteAddress ?? '').then(
    (answer) => {
      if (answer === undefined) return fallback.route(req, w);
      w.setHeader('Content-Type', 'text/plain');
      w.closeAfterResponse();
      w.writeHead(200);
      w.end(answer);
    },
    () => fallback.route(req, w),
  );
  return true;
}

/**
 * TLS-ALPN-01 on the TLS listeners: a handshake offering only acme-tls/1 is
 * the CA validating (certmagic handshake.go). Node picks the ALPN protocol
 * before it asks the SNI callback for a certificate, so the listener notes
 * this in its ALPN callback and its SNI callback then asks tlsALPNChallenge.
 */
export const isACMETLSALPN = (protocols: readonly string[]): boolean => protocols.length === 1 && protocols[0] === acmeTLS1;

export { acmeTLS1 };
export { tlsALPNContext as tlsALPNChallenge } from '../../tls/acme/challenge_answer.js';
