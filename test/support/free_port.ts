// A free loopback port, for the engine tests and the end-to-end tests alike
// (this file imports nothing from src, so e2e can use it beside the built CLI).
import { createServer } from 'node:net';

/** A port that was free a moment ago (bound on 127.0.0.1 and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
