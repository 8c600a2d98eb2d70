/**
 * undici's dispatchers, loaded from their own files rather than undici's
 * index: the index also loads fetch, WebSocket, caches and web streams,
 * about 12 MiB of resident memory per worker that the proxy never uses.
 * Typed by undici's public declarations of the same classes.
 */
// @ts-expect-error undici ships no declarations for its lib files; the casts below give them the public ones.
import PoolImpl from 'undici/lib/dispatcher/pool.js';
// @ts-expect-error as above
import ClientImpl from 'undici/lib/dispatcher/client.js';
// @ts-expect-error as above
import H2CClientImpl from 'undici/lib/dispatcher/h2c-client.js';
import type * as undici from 'undici';

export const Pool = PoolImpl as typeof undici.Pool;
export const Client = ClientImpl as typeof undici.Client;
export const H2CClient = H2CClientImpl as typeof undici.H2CClient;
