/**
 * caddy_reverse_proxy_upstreams_healthy{upstream}: every reverse_proxy
 * handler registers its upstreams when provisioned (Caddy does, metrics on
 * or not) and unregisters at cleanup. Caddy sets the gauge every 10 s; here
 * it is read when scraped, so it costs nothing in between.
 */
import { registry } from './index.js';
import type { Sample } from './registry.js';

export interface UpstreamHealth {
  /** The dial address as configured. */
  readonly upstream: string;
  readonly healthy: boolean;
}

const sources = new Set<() => Iterable<UpstreamHealth>>();

function collect(): Sample[] {
  // Caddy's hosts are shared by address, so one series per address: unhealthy if any handler counts it so.
  const byAddr = new Map<string, number>();
  for (const list of sources) {
    for (const u of list()) byAddr.set(u.upstream, Math.min(byAddr.get(u.upstream) ?? 1, u.healthy ? 1 : 0));
  }
  return [...byAddr].map(([upstream, value]) => ({ labels: [upstream], value }));
}

let registered = false;

/** Returns the unregistration, to hand to ProvisionEnv.onCleanup. */
export function registerUpstreamsHealthy(list: () => Iterable<UpstreamHealth>): () => void {
  if (!registered) {
    registry.collector('caddy_reverse_proxy_upstreams_healthy', 'Health status of reverse proxy upstreams.', 'gauge', ['upstream'], collect, 'min');
    registered = true;
  }
  sources.add(list);
  return () => {
    sources.delete(list);
  };
}
