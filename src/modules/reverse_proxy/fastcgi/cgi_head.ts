/**
 * The CGI response head at the start of the application's STDOUT (RFC 3875
 * §6), read as Caddy reads it (textproto.ReadMIMEHeader): lines up to the
 * first empty one, names in Go's canonical form, continuation lines joined,
 * `Status: 404 Not Found` giving the status (200 without one). The Status
 * field itself stays among the headers, as Caddy passes it on.
 */

/** Above this, the head is refused (Go's textproto has no limit here; a head this big is a broken app). */
const MAX_HEAD = 1 << 20;

export interface CGIHead {
  status: number;
  /** What followed the code on the Status line ('' when absent): Caddy's {http.reverse_proxy.status_text}. */
  statusText: string;
  /** Name (canonical) and value, in order, repeated names kept. */
  fields: Array<[string, string]>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Go's CanonicalMIMEHeaderKey: "content-type" → "Content-Type"; names with other bytes stay as sent. */
export function canonicalKey(k: string): string {
  if (!TOKEN.test(k)) return k;
  let out = '';
  let upper = true;
  for (let i = 0; i < k.length; i++) {
    const c = k[i]!;
    out += upper ? c.toUpperCase() : c.toLowerCase();
    upper = c === '-';
  }
  return out;
}

/** Parses the lines of a head (without the terminating empty line). Throws Go's wording on garbage. */
export function parseHead(text: string): CGIHead {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  // The head ends at the first empty line (the text may include it).
  const blank = lines.indexOf('');
  if (blank >= 0) lines.length = blank;
  if (lines.length > 0 && /^[ \t]/.test(lines[0]!)) throw new Error(`malformed MIME header initial line: ${lines[0]}`);
  const fields: Array<[string, string]> = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && fields.length > 0) {
      const last = fields[fields.length - 1]!;
      last[1] = `${last[1]} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    const key = colon < 0 ? '' : line.slice(0, colon);
    if (colon < 0 || !TOKEN.test(key)) throw new Error(`malformed MIME header line: ${line}`);
    fields.push([canonicalKey(key), line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')]);
  }
  let status = 200;
  let statusText = '';
  const s = fields.find(([k]) => k === 'Status');
  if (s !== undefined && s[1] !== '') {
    const sp = s[1].indexOf(' ');
    const num = sp < 0 ? s[1] : s[1].slice(0, sp);
    if (!/^[+-]?\d+$/.test(num)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(num)}: invalid syntax`);
    status = Number(num);
    if (status < 100 || status > 999) throw new Error(`invalid status code ${status}`);
    if (sp >= 0) statusText = s[1].slice(sp + 1);
  }
  return { status, statusText, fields };
}

/** Where the head ends in `buf`: the index of the body's first byte, or -1 while the empty line has not come. */
export function headEnd(buf: Buffer): number {
  // An empty head: the output starts with the empty line.
  if (buf[0] === 0x0a) return 1;
  if (buf[0] === 0x0d && buf[1] === 0x0a) return 2;
  for (let i = buf.indexOf(0x0a); i >= 0 && i + 1 < buf.length; i = buf.indexOf(0x0a, i + 1)) {
    if (buf[i + 1] === 0x0a) return i + 2;
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

/** Collects STDOUT until the head is complete. */
export class HeadReader {
  private pending: Buffer | null = null;

  /** Feeds bytes; once the head is complete, answers it with the body bytes that followed it. */
  push(chunk: Buffer): { head: CGIHead; rest: Buffer } | null {
    const buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    const end = headEnd(buf);
    if (end < 0) {
      if (buf.length > MAX_HEAD) throw new Error('fastcgi: response head too large');
      this.pending = buf;
      return null;
    }
    this.pending = null;
    return { head: parseHead(buf.toString('latin1', 0, end)), rest: buf.subarray(end) };
  }

  /** STDOUT ended before an empty line: what came is the head (Go's ReadMIMEHeader accepts EOF there). */
  finish(): CGIHead {
    const text = this.pending === null ? '' : this.pending.toString('latin1');
    this.pending = null;
    return parseHead(text);
  }
}
