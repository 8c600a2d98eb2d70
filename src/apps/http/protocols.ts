/**
 * A server's `protocols` and `listen_protocols` (Caddy's server.go
 * protocolsWithDefaults / listenerProtocolsWithDefaults), decided at load
 * into one small record per listener address, which the listener reads once
 * per connection.
 */

/** What one listener address accepts. */
export interface ListenerProtocols {
  h1: boolean;
  /** HTTP/2 over TLS (ALPN h2). */
  h2: boolean;
  /** HTTP/2 over plain TCP with prior knowledge. */
  h2c: boolean;
}

/** Caddy's default: h1 h2 h3 (h3 is not served by tsweb; it only shows in the log line). */
export const defaultProtocols: readonly string[] = ['h1', 'h2', 'h3'];

const known = new Set(['h1', 'h2', 'h2c', 'h3']);

function stringList(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.some((p) => typeof p !== 'string')) throw new Error(`${field}: must be an array of strings`);
  return v as string[];
}

function checked(list: readonly string[], field: string): void {
  for (const p of list) if (p !== '' && !known.has(p)) throw new Error(`${field}: unknown protocol '${p}': expected h1, h2, h2c, or h3`);
}

/** A listener's list: its own, where '' stands for the server's protocols it does not name itself. */
function listenerWithDefaults(server: readonly string[], own: readonly string[]): string[] {
  if (own.length === 0) return [...server];
  const out = own.filter((p) => p !== '');
  if (own.includes('')) for (const p of server) if (!out.includes(p)) out.push(p);
  return out;
}

export function listenerProtocols(list: readonly string[]): ListenerProtocols {
  return { h1: list.includes('h1'), h2: list.includes('h2'), h2c: list.includes('h2c') };
}

export interface ServerProtocols {
  /** The server's list, as Caddy's "server running" line shows it. */
  readonly names: readonly string[];
  /** Per entry of `listen` (same order); null entries use `names`. */
  readonly perListen: ReadonlyArray<readonly string[] | null>;
}

/** Decodes `protocols` / `listen_protocols`; throws with the field's name. */
export function decodeProtocols(json: { protocols?: unknown; listen_protocols?: unknown; listen?: unknown }, serverName: string): ServerProtocols {
  let names: readonly string[] = defaultProtocols;
  if (json.protocols !== undefined && json.protocols !== null) {
    const list = stringList(json.protocols, 'protocols');
    checked(list, 'protocols');
    if (list.length > 0) names = list;
  }
  const perListen: Array<readonly string[] | null> = [];
  if (json.listen_protocols !== undefined && json.listen_protocols !== null) {
    if (!Array.isArray(json.listen_protocols)) throw new Error('listen_protocols: must be an array');
    const listen = Array.isArray(json.listen) ? json.listen : [];
    if (json.listen_protocols.length !== listen.length) {
      throw new Error(`server ${serverName}: listener protocols count does not match address count: ${json.listen_protocols.length} != ${listen.length}`);
    }
    json.listen_protocols.forEach((v: unknown, i) => {
      if (v === null) return void perListen.push(null);
      const own = stringList(v, `listen_protocols[${i}]`);
      checked(own, `listen_protocols[${i}]`);
      perListen.push(listenerWithDefaults(names, own));
    });
  }
  return { names, perListen };
}
