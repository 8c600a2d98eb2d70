/**
 * A tiny authoritative DNS server on 127.0.0.1 UDP (port 0) for tests of
 * dynamic upstreams: answers A, AAAA and SRV from maps the test changes at
 * will, NXDOMAIN for unknown names, SERVFAIL for everything while `failing`
 * is set. Hand-built packets; no external DNS is ever asked.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';

export interface SrvAnswer {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface DnsServer {
  /** "127.0.0.1:<port>", as a `resolvers` entry. */
  address: string;
  a: Map<string, string[]>;
  aaaa: Map<string, string[]>;
  srv: Map<string, SrvAnswer[]>;
  /** Answer SERVFAIL to every query (a broken resolver). */
  failing: boolean;
  /** Every question asked, "<type> <name>". */
  queries: string[];
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;
const TYPE_SRV = 33;
const TYPES: Record<number, string> = { [TYPE_A]: 'A', [TYPE_AAAA]: 'AAAA', [TYPE_SRV]: 'SRV' };

function readName(buf: Buffer, off: number): { name: string; end: number } {
  const labels: string[] = [];
  for (;;) {
    const len = buf[off]!;
    off++;
    if (len === 0) break;
    labels.push(buf.toString('latin1', off, off + len));
    off += len;
  }
  return { name: labels.join('.').toLowerCase(), end: off };
}

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter((l) => l !== '');
  return Buffer.concat([...parts.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function record(type: number, ttl: number, rdata: Buffer): Buffer {
  const rr = Buffer.alloc(12);
  rr.writeUInt16BE(0xc00c, 0); // the question's name
  rr.writeUInt16BE(type, 2);
  rr.writeUInt16BE(1, 4); // IN
  rr.writeUInt32BE(ttl, 6);
  rr.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([rr, rdata]);
}

export async function dnsServer(): Promise<DnsServer> {
  const sock = createSocket('udp4');
  const s: DnsServer = {
    address: '',
    a: new Map(),
    aaaa: new Map(),
    srv: new Map(),
    failing: false,
    queries: [],
    close: () => new Promise((r) => sock.close(() => r())),
  };
  sock.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    if (msg.length < 12) return;
    const { name, end } = readName(msg, 12);
    const qtype = msg.readUInt16BE(end);
    const question = msg.subarray(12, end + 4);
    s.queries.push(`${TYPES[qtype] ?? qtype} ${name}`);
    const answers: Buffer[] = [];
    let rcode = 0;
    const known = s.a.has(name) || s.aaaa.has(name) || s.srv.has(name);
    if (s.failing) rcode = 2;
    else if (!known) rcode = 3;
    else if (qtype === TYPE_A) for (const ip of s.a.get(name) ?? []) answers.push(record(TYPE_A, 1, Buffer.from(ip.split('.').map(Number))));
    else if (qtype === TYPE_AAAA) for (const ip of s.aaaa.get(name) ?? []) answers.push(record(TYPE_AAAA, 1, ipv6Bytes(ip)));
    else if (qtype === TYPE_SRV) {
      for (const r of s.srv.get(name) ?? []) {
        const fixed = Buffer.alloc(6);
        fixed.writeUInt16BE(r.priority, 0);
        fixed.writeUInt16BE(r.weight, 2);
        fixed.writeUInt16BE(r.port, 4);
        answers.push(record(TYPE_SRV, 1, Buffer.concat([fixed, encodeName(r.target)])));
      }
    }
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    // QR, opcode 0, AA, RD copied; RA; the rcode.
    header.writeUInt16BE(0x8400 | (msg.readUInt16BE(2) & 0x0100) | 0x0080 | rcode, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    sock.send(Buffer.concat([header, question, ...answers]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  s.address = `127.0.0.1:${sock.address().port}`;
  return s;
}
