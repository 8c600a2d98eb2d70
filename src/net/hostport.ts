/**
 * Go's net.SplitHostPort and net.JoinHostPort, the one implementation:
 * ip.ts answers null on failure (the request path, where a missing port is
 * ordinary), netaddr.ts Go's error text (the adapter, which quotes it).
 */

/**
 * The host and port, or why Go would refuse the address (a constant, so the
 * failure allocates nothing).
 */
export function splitHostPortOrReason(hostport: string): [string, string] | string {
  const i = hostport.lastIndexOf(':');
  if (i < 0) return 'missing port in address';
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) return "missing ']' in address";
    if (end + 1 === hostport.length) return 'missing port in address';
    if (end + 1 !== i) {
      if (hostport[end + 1] === ':') return 'too many colons in address';
      return 'missing port in address';
    }
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return 'too many colons in address';
  }
  if (hostport.indexOf('[', j) >= 0) return "unexpected '[' in address";
  if (hostport.indexOf(']', k) >= 0) return "unexpected ']' in address";
  return [host, hostport.slice(i + 1)];
}

/** net.JoinHostPort: brackets hosts that contain a colon. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
