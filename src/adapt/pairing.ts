import type { ServerBlock } from '../caddyfile/parser.js';
import type { ConfigValue } from './types.js';

/** A parsed site address (Caddy's httpcaddyfile.Address). */
export interface SiteAddress {
  original: string;
  scheme: string;
  host: string;
  port: string;
  path: string;
}

/** A site block after its directives were parsed: values grouped by class (Caddy's serverBlock). */
export interface SiteBlock {
  block: ServerBlock;
  /** ConfigValues by class: 'route', 'bind', 'tls.connection_policy', 'custom_log', ... */
  pile: Record<string, ConfigValue[]>;
  keys: SiteAddress[];
}

/** Server blocks that share the same listener addresses become one server (Caddy's sbAddrAssociation). */
export interface Pairing {
  addresses: string[];
  /** Protocols per address (same order; [''] = the defaults), from `bind { protocols }`. */
  protocols?: string[][];
  serverBlocks: SiteBlock[];
}

/** Value of a 'custom_log' config value (Caddy's namedCustomLog). */
export interface NamedCustomLog {
  name: string;
  hostnames: string[];
  /** The logs[name] object for the logging config, or null for log_skip-style entries. */
  log: Record<string, unknown> | null;
  noHostname: boolean;
}
