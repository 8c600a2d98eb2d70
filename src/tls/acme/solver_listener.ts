/**
 * certmagic's own challenge listeners (solvers.go httpSolver/tlsALPNSolver
 * with robustTryListen): when no http app of this config serves the
 * challenge port (a tls app alone, `certificates.automate`), the issuer
 * listens on it for the challenge's duration. Port taken: something else
 * (another process sharing the storage, say) is trusted to answer.
 */
import { createServer as createHTTPServer, type Server as HTTPServer } from 'node:http';
import { createServer as createTLSServer, type Server as TLSServer } from 'node:tls';
import { acmeTLS1, httpChallengeAnswer, tlsALPNContext } from './challenge_answer.js';

export interface SolverListener {
  close(): Promise<void>;
}

export function startSolverListener(type: string, host: string, port: number): Promise<SolverListener | null> {
  let server: HTTPServer | TLSServer;
  if (type === 'http-01') {
    server = createHTTPServer((req, res) => {
      void httpChallengeAnswer(req.headers.host ?? '', req.url ?? '', req.socket.remoteAddress ?? '').then((answer) => {
        if (answer === undefined) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'Content-Type': 'text/plain', Connection: 'close' }).end(answer);
      });
    });
  } else if (type === 'tls-alpn-01') {
    server = createTLSServer({
      ALPNProtocols: [acmeTLS1],
      SNICallback: (name, cb) => void tlsALPNContext(name, '').then((c) => cb(null, c), (err: Error) => cb(err)),
    });
    server.on('secureConnection', (s) => s.end());
    server.on('tlsClientError', () => undefined);
  } else {
    return Promise.resolve(null);
  }
  return new Promise((resolve) => {
    server.once('error', () => resolve(null));
    server.listen(port, host === '' ? undefined : host, () => {
      resolve({
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as HTTPServer).closeAllConnections?.();
          }),
      });
    });
  });
}
