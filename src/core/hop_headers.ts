/**
 * Hop-by-hop header fields (RFC 9110 7.6.1, Go's httputil hopHeaders): they
 * describe one connection, so neither a proxy nor a cache passes them on.
 * The one list; the proxy's request and response paths and the cache read it.
 */
export const HOP_BY_HOP: readonly string[] = ['connection', 'proxy-connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/** The same, for lookups by lower-case name. */
export const HOP_BY_HOP_SET: ReadonlySet<string> = new Set(HOP_BY_HOP);
