// Runs Caddyfile snippets through the whole adapter (adaptCaddyfile) and
// picks out what the reverse_proxy family produced.
import { adaptCaddyfile } from '../../src/adapt/index.js';
import { CaddyfileError } from '../../src/caddyfile/errors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type J = any;

/** Adapts `body` as the inside of a `:8884` site (no host matcher, no subroute wrapping). */
export function adaptSite(body: string): { routes: J[]; warnings: string[] } {
  const { config, warnings } = adaptCaddyfile(`:8884 {\n${body}\n}\n`, 'Caddyfile', { env: {} });
  return { routes: config.apps?.http?.servers?.srv0?.routes ?? [], warnings: warnings.map((w) => w.message) };
}

/** The handlers of the site's routes, in order. */
export function handlers(body: string): J[] {
  return adaptSite(body).routes.flatMap((r: J) => r.handle ?? []);
}

/** The one handler `body` produces. */
export function handler(body: string): J {
  const hs = handlers(body);
  if (hs.length !== 1) throw new Error(`expected one handler, got ${JSON.stringify(hs)}`);
  return hs[0];
}

/** The message adapting `body` fails with. */
export function adaptErr(body: string): string {
  try {
    adaptSite(body);
  } catch (e) {
    if (e instanceof CaddyfileError || e instanceof Error) return e.message;
    throw e;
  }
  throw new Error('expected an error');
}
