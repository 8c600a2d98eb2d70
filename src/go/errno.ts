/** Node's errno codes as Go's net package words them, so error logs read like Caddy's. */
const GO_ERRNO: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  ECONNRESET: 'read: connection reset by peer',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'server misbehaving',
  ENOENT: 'connect: no such file or directory',
};

export function goErrnoText(code: string | undefined): string | undefined {
  return code === undefined ? undefined : GO_ERRNO[code];
}
