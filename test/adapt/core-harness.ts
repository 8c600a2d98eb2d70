import { adaptCaddyfile } from '../../src/adapt/index.js';
import type { JSONObject } from '../../src/adapt/types.js';

/** Adapts an inline Caddyfile (tabs are written as two spaces in tests; both work). */
export function adapt(input: string): JSONObject {
  return adaptCaddyfile(input, 'Caddyfile', { env: {} }).config;
}

export function adaptWarnings(input: string): string[] {
  return adaptCaddyfile(input, 'Caddyfile', { env: {} }).warnings.map((w) => w.message);
}

/** The message of the error adapting `input` throws (fails if it does not throw). */
export function adaptError(input: string): string {
  try {
    adaptCaddyfile(input, 'Caddyfile', { env: {} });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

export function servers(input: string): Record<string, JSONObject> {
  return adapt(input).apps.http.servers;
}

/** The routes of the only site's subroute on the only server (common case in tests). */
export function siteRoutes(input: string): JSONObject[] {
  const srv = Object.values(servers(input))[0]!;
  const top = srv.routes as JSONObject[];
  if (top.length === 1 && top[0]!.terminal && top[0]!.handle?.[0]?.handler === 'subroute') return top[0]!.handle[0].routes ?? [];
  return top;
}
