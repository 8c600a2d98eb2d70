/**
 * Upstream connections dialled by tsweb itself instead of by the clients'
 * own connectors, for the transport options those cannot do: a PROXY
 * header before anything else (proxy_protocol), a TLS handshake with its
 * own deadline (tls handshake_timeout). Both clients use the one function:
 * node:http's Agent through createConnection, undici through `connect`.
 * Configs without these options never come here.
 */
import { connect as netConnect, type LookupFunction, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { goErrnoText } from '../../go/errno.js';
import type { TransportSettings } from './config_transport.js';
import { DialError, UpstreamTimeout } from './transport_errors.js';

/** Whether connections go through dialWithHeader rather than the clients' own connectors. */
export function ownDial(cfg: TransportSettings): boolean {
  return cfg.proxyProtocol !== null || cfg.forwardProxy !== null || (cfg.tls !== null && cfg.tls.handshakeTimeout > 0);
}

export interface DialOptions {
  host: string;
  port: number;
  socketPath?: string;
  localAddress?: string;
  /** resolver: how upstream names are looked up. */
  lookup?: LookupFunction;
  timeout: number;
  /** Written as soon as the TCP connection is up, before anything else. */
  header: Buffer | null;
  /** TLS on top, or null for plain text. */
  tls: ConnectionOptions | null;
  /** tls handshake_timeout in ms; 0: the dial timeout covers the handshake too. */
  handshakeTimeout: number;
  /** Address for error text (Go's "dial tcp ADDR: ..."). */
  dial: string;
  /** network_proxy / forward_proxy_url: connect through this HTTP proxy's CONNECT tunnel. */
  forward?: ForwardProxy;
}

/** An HTTP forward proxy, from its URL at load time. */
export interface ForwardProxy {
  host: string;
  port: number;
  /** The Proxy-Authorization value for the URL's user:password, or null. */
  auth: string | null;
}

/** Reads the proxy's answer to CONNECT; calls back once its head is in (the rest, if any, goes back to the socket). */
function awaitConnect(raw: Socket, cb: (err: Error | null) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  const onData = (d: Buffer): void => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) {
      if (buf.length > 16384) done(new Error('proxyconnect: response head too large'));
      return;
    }
    raw.off('data', onData);
    raw.pause();
    if (end + 4 < buf.length) raw.unshift(buf.subarray(end + 4));
    const status = /^HTTP\/1\.[01] (\d{3})([^\r]*)/.exec(buf.subarray(0, end).toString('latin1'));
    // Go's transport: anything but 200 fails the dial with the proxy's status.
    if (status === null) done(new Error('proxyconnect: malformed response from the proxy'));
    else if (status[1] !== '200') done(new Error(`proxyconnect: ${status[1]}${status[2]}`));
    else done(null);
  };
  let called = false;
  const done = (err: Error | null): void => {
    if (called) return;
    called = true;
    cb(err);
  };
  raw.on('data', onData);
}

/** Connects, writes the header, then (if asked) does the TLS handshake; one callback with the ready socket. */
export function dialWithHeader(o: DialOptions, cb: (err: Error | null, socket: Socket | null) => void): void {
  let done = false;
  const finish = (err: Error | null, s: Socket | null): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    raw.off('error', onRawError);
    s?.off('error', onTLSError);
    if (err !== null) {
      raw.destroy();
      s?.destroy();
    }
    cb(err, err === null ? s : null);
  };
  const fw = o.forward;
  const raw =
    o.socketPath !== undefined && fw === undefined
      ? netConnect({ path: o.socketPath })
      : netConnect({ host: fw?.host ?? o.host, port: fw?.port ?? o.port, ...(o.localAddress !== undefined && { localAddress: o.localAddress }), ...(o.lookup !== undefined && { lookup: o.lookup }) });
  let timer = setTimeout(() => finish(new DialError(`dial tcp ${o.dial}: i/o timeout`, true), null), o.timeout);
  const onRawError = (e: NodeJS.ErrnoException): void => finish(new DialError(`dial tcp ${o.dial}: ${goErrnoText(e.code) ?? e.message}`), null);
  const onTLSError = (e: Error): void => finish(e, null);
  raw.on('error', onRawError);
  const connected = (): void => {
    if (o.header !== null) raw.write(o.header);
    if (o.tls === null) return finish(null, raw);
    let s: Socket | null = null;
    if (o.handshakeTimeout > 0) {
      clearTimeout(timer);
      // Go's context error, with Caddy's cause: a timeout (504), not a dial failure.
      timer = setTimeout(() => finish(new UpstreamTimeout(`HTTP transport TLS handshake ${Math.floor(o.handshakeTimeout / 1000)}s timeout`), s), o.handshakeTimeout);
    }
    const t = tlsConnect({ ...o.tls, socket: raw });
    s = t;
    t.once('secureConnect', () => finish(null, t));
    t.on('error', onTLSError);
  };
  if (fw === undefined) {
    raw.once('connect', connected);
    return;
  }
  raw.once('connect', () => {
    const target = o.host.includes(':') ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`;
    raw.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${fw.auth === null ? '' : `Proxy-Authorization: ${fw.auth}\r\n`}\r\n`);
    awaitConnect(raw, (err) => {
      if (err !== null) return finish(err, null);
      raw.resume();
      connected();
    });
  });
}
