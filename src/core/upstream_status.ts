/**
 * What the admin API's /reverse_proxy/upstreams shows: every reverse_proxy
 * handler of the loaded configs registers how to read its upstreams when it
 * is provisioned and unregisters at cleanup. The registry holds functions,
 * read only when the endpoint is asked, so counting costs nothing per request.
 *
 * Caddy keeps one global pool keyed by address and shows no health there
 * (caddyserver/caddy#6135); tsweb lists upstreams per handler, so each entry
 * names its handler and says whether the upstream is healthy for it. The
 * counts are per address for the whole server (src/core/shared), so two
 * handlers, or two workers, show the same num_requests and fails.
 */

/** One upstream as a handler sees it now. */
export interface UpstreamView {
  /** The dial address ("localhost:8081", "unix//run/app.sock"). */
  readonly address: string;
  /** Requests in flight to it. */
  readonly numRequests: number;
  /** Failures counted by the health checks and not yet expired. */
  readonly fails: number;
  /** Whether the health checks let requests go to it. */
  readonly healthy: boolean;
}

/** One row of the endpoint's answer: Caddy's fields plus tsweb's `healthy` and `handler`. */
export interface UpstreamStatus {
  address: string;
  num_requests: number;
  fails: number;
  healthy: boolean;
  handler: string;
}

interface Entry {
  readonly handler: string;
  readonly list: () => Iterable<UpstreamView>;
}

const entries = new Set<Entry>();
let provisioned = 0;

/**
 * Registers a handler's upstreams; returns the unregistration, made to be
 * passed to ProvisionEnv.onCleanup. `handler` names it in the answer (its
 * `@id` when it has one); by default `reverse_proxy #n`, n counting handlers
 * in provision order.
 */
export function registerUpstreamStatus(list: () => Iterable<UpstreamView>, handler?: string): () => void {
  const entry: Entry = { handler: handler ?? `reverse_proxy #${provisioned++}`, list };
  entries.add(entry);
  return () => {
    entries.delete(entry);
  };
}

/** The endpoint's answer, handlers in registration order. */
export function upstreamStatuses(): UpstreamStatus[] {
  const out: UpstreamStatus[] = [];
  for (const e of entries) {
    for (const u of e.list()) {
      out.push({ address: u.address, num_requests: u.numRequests, fails: u.fails, healthy: u.healthy, handler: e.handler });
    }
  }
  return out;
}

/**
 * Where the answer comes from when the handlers are not in this thread:
 * with `workers N` the admin API runs in the supervisor, which asks a
 * worker (the counts are shared, so any worker's view is the server's).
 */
let source: (() => Promise<UpstreamStatus[]>) | null = null;

export function setUpstreamStatusSource(fn: (() => Promise<UpstreamStatus[]>) | null): void {
  source = fn;
}

/** The server's answer: this thread's handlers, or a worker's. */
export function serverUpstreamStatuses(): Promise<UpstreamStatus[]> {
  return source === null ? Promise.resolve(upstreamStatuses()) : source();
}
