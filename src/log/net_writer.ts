/**
 * The `net` log writer (Caddy's caddy.logging.writers.net): lines go to a
 * TCP, UDP or unix socket. Caddy's redialerConn writes synchronously and,
 * while the socket is down, dumps lines to stderr and redials at most every
 * 10 s; here a write never waits: while there is no connection the line goes
 * to stderr, a redial runs in the background on the same 10 s rhythm, and
 * a connection that does not keep up (more than MAX_PENDING bytes queued in
 * the kernel and Node) drops lines rather than holding memory or requests,
 * counting them and saying so once per episode on stderr.
 *
 * Without soft_start Caddy refuses the config when the first dial fails;
 * `ready` rejects then, for the loader to await (Logging.ready). With
 * soft_start, the failure is said on stderr and the writer retries.
 */
import { createSocket, type Socket as UDPSocket } from 'node:dgram';
import { isIP, Socket } from 'node:net';
import { goErrnoText } from '../go/errno.js';
import { compileTemplate, newReplacer } from '../core/replacer.js';
import { joinHostPort, networkAddressString, parseNetworkAddress } from '../net/netaddr.js';
import type { Writer } from './writers.js';

/** Bytes a slow TCP peer may have waiting before lines are dropped. */
const MAX_PENDING = 1 << 20;
/** Caddy redials a broken log socket at most this often. */
const REDIAL_MS = 10_000;

export interface NetWriterConfig {
  address: string;
  /** Nanoseconds (caddy.Duration); 0: the OS's own connect timeout. */
  dialTimeoutNs: number;
  softStart: boolean;
}

/** Decodes the writer's JSON (address, dial_timeout, soft_start) as Caddy's Provision checks it. */
export function decodeNetWriter(c: Record<string, unknown>): NetWriterConfig {
  if (typeof c.address !== 'string' || c.address === '') throw new Error("parsing network address '': missing network address");
  const t = c.dial_timeout ?? 0;
  if (typeof t !== 'number' || !Number.isFinite(t)) throw new Error('dial_timeout: must be a duration in nanoseconds');
  if (t < 0) throw new Error('timeout cannot be less than 0');
  return { address: c.address, dialTimeoutNs: t, softStart: c.soft_start === true };
}

type Target = { network: 'tcp' | 'unix'; host: string; port: number; path: string } | { network: 'udp'; host: string; port: number; family: 'udp4' | 'udp6' };

function target(address: string): { key: string; to: Target; label: string } {
  const expanded = compileTemplate(address, 'keep')(newReplacer());
  let na;
  try {
    na = parseNetworkAddress(expanded);
  } catch (err) {
    throw new Error(`parsing network address '${expanded}': ${(err as Error).message}`);
  }
  if (na.startPort !== na.endPort) throw new Error('multiple ports not supported');
  const key = networkAddressString(na);
  const net = na.network;
  if (net === 'unix') return { key, to: { network: 'unix', host: '', port: 0, path: na.host }, label: `unix ${na.host}` };
  const label = `${net} ${joinHostPort(na.host, String(na.startPort))}`;
  if (net === 'tcp' || net === 'tcp4' || net === 'tcp6') return { key, to: { network: 'tcp', host: na.host === '' ? 'localhost' : na.host, port: na.startPort, path: '' }, label };
  if (net === 'udp' || net === 'udp4' || net === 'udp6') {
    const family = net === 'udp6' || isIP(na.host) === 6 ? 'udp6' : 'udp4';
    return { key, to: { network: 'udp', host: na.host === '' ? 'localhost' : na.host, port: na.startPort, family }, label };
  }
  throw new Error(`parsing network address '${expanded}': network ${net} is not supported by the net log writer`);
}

/** The pool's key for a net writer: one connection per address within a config, as Caddy's writer pool. */
export function netWriterKey(address: string): string {
  return `net:${target(address).key}`;
}

function dialError(label: string, err: NodeJS.ErrnoException): string {
  if (err.code === 'ETIMEDOUT') return `dial ${label}: i/o timeout`;
  return `dial ${label}: ${goErrnoText(err.code) ?? err.message}`;
}

/** Scales the redial wait for tests (TSWEB_RETRY_SCALE, as the TLS retries do). */
function redialMs(): number {
  const s = Number(process.env.TSWEB_RETRY_SCALE);
  return Number.isFinite(s) && s > 0 ? REDIAL_MS * s : REDIAL_MS;
}

export class NetWriter implements Writer {
  readonly key: string;
  readonly tty = false;
  /** Settles with the first dial: rejects when it fails and soft_start is off. */
  readonly ready: Promise<void>;
  private readonly to: Target;
  private readonly label: string;
  private readonly timeoutMs: number;
  private readonly interval = redialMs();
  private tcp: Socket | null = null;
  private udp: UDPSocket | null = null;
  private up = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private lastDial = 0;
  private dropped = 0;

  constructor(
    cfg: NetWriterConfig,
    /** Where lines go while there is no connection, and the writer's own complaints. */
    private readonly stderr: (line: string) => void,
  ) {
    const t = target(cfg.address);
    this.key = `net:${t.key}`;
    this.to = t.to;
    this.label = t.label;
    this.timeoutMs = cfg.dialTimeoutNs / 1e6;
    this.ready = this.dial().then(
      () => undefined,
      (msg: string) => {
        this.scheduleRedial();
        const line = `[ERROR] net log writer failed to connect: ${msg} (will retry connection and print errors here in the meantime)\n`;
        if (cfg.softStart) {
          this.stderr(line);
          return undefined;
        }
        // Until the loader awaits ready (and refuses the config), behave as soft_start rather than lose lines.
        this.stderr(line);
        throw new Error(msg);
      },
    );
    this.ready.catch(() => {});
  }

  write(line: string): void {
    if (!this.up) {
      this.stderr(line);
      return;
    }
    if (this.udp !== null) {
      this.udp.send(line, (err) => {
        if (err) this.lost(err);
      });
      return;
    }
    const s = this.tcp!;
    if (s.writableLength > MAX_PENDING) {
      if (this.dropped++ === 0) this.stderr(`[WARN] net log writer: ${this.label} is not keeping up; dropping log lines until it does\n`);
      return;
    }
    s.write(line);
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.reportDropped();
    this.up = false;
    const udp = this.udp;
    this.udp = null;
    if (udp !== null) {
      try {
        udp.close();
      } catch {
        // already closed
      }
    }
    const s = this.tcp;
    this.tcp = null;
    if (s === null || s.destroyed) return Promise.resolve();
    // Lines already written go out before the socket closes; a peer that stalls gets 2 s.
    return new Promise((resolve) => {
      const t = setTimeout(() => s.destroy(), 2000);
      t.unref();
      s.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      s.end();
    });
  }

  private reportDropped(): void {
    if (this.dropped === 0) return;
    this.stderr(`[WARN] net log writer: dropped ${this.dropped} log lines while ${this.label} was not keeping up\n`);
    this.dropped = 0;
  }

  /** One dial; resolves once connected, rejects with Go's words for the failure. */
  private dial(): Promise<void> {
    this.lastDial = Date.now();
    const to = this.to;
    if (to.network === 'udp') {
      return new Promise((resolve, reject) => {
        const u = createSocket(to.family);
        u.unref();
        u.once('error', (err) => {
          u.close();
          reject(dialError(this.label, err));
        });
        u.connect(to.port, to.host, () => {
          u.removeAllListeners('error');
          if (this.closed) {
            u.close();
            return resolve();
          }
          // A connected UDP socket learns of an unreachable port from ICMP, as Go's does.
          u.on('error', (err) => this.lost(err));
          this.udp = u;
          this.up = true;
          resolve();
        });
      });
    }
    return new Promise((resolve, reject) => {
      const s = to.network === 'unix' ? new Socket().connect(to.path) : new Socket().connect(to.port, to.host);
      s.unref();
      let t: NodeJS.Timeout | null = null;
      if (this.timeoutMs > 0) {
        t = setTimeout(() => s.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })), this.timeoutMs);
        t.unref();
      }
      s.once('error', (err) => {
        if (t !== null) clearTimeout(t);
        reject(dialError(this.label, err));
      });
      s.once('connect', () => {
        if (t !== null) clearTimeout(t);
        s.removeAllListeners('error');
        if (this.closed) {
          s.destroy();
          return resolve();
        }
        s.setNoDelay(true);
        s.on('error', (err) => this.lost(err));
        s.on('close', () => this.lost(null));
        // A log collector has nothing to say; read and discard so its bytes never pile up.
        s.resume();
        s.on('drain', () => this.reportDropped());
        this.tcp = s;
        this.up = true;
        resolve();
      });
    });
  }

  /** The connection broke: lines go to stderr until a redial succeeds. */
  private lost(err: Error | null): void {
    if (this.closed || !this.up) return;
    this.up = false;
    const s = this.tcp;
    this.tcp = null;
    s?.destroy();
    const u = this.udp;
    this.udp = null;
    try {
      u?.close();
    } catch {
      // already closed
    }
    this.reportDropped();
    this.stderr(`[ERROR] net log writer: connection to ${this.label} lost${err !== null ? `: ${err.message}` : ''}; writing log lines here until it is back\n`);
    this.scheduleRedial();
  }

  private scheduleRedial(): void {
    if (this.closed || this.timer !== null) return;
    const wait = Math.max(0, this.lastDial + this.interval - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.closed) return;
      this.dial().then(
        () => {
          if (!this.closed) this.stderr(`[INFO] net log writer: reconnected to ${this.label}\n`);
        },
        () => this.scheduleRedial(),
      );
    }, wait);
    this.timer.unref();
  }
}
