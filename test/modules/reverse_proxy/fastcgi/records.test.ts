// The FastCGI wire format and the CGI head, without php-fpm: what the
// transport writes decodes back to the same params (long names and values,
// several records), a response reassembles the same however the socket cuts
// it, and a CGI head reads as Go's textproto reads it (the status from
// Status:, canonical names, continuation lines, garbage refused).
import { describe, expect, it } from 'vitest';
import { HeadReader, parseHead } from '../../../../src/modules/reverse_proxy/fastcgi/cgi_head.js';
import { decodeFastCGI } from '../../../../src/modules/reverse_proxy/fastcgi/config.js';
import { splitPos } from '../../../../src/modules/reverse_proxy/fastcgi/env.js';
import { encodeRequest, FCGI_BEGIN_REQUEST, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDERR, FCGI_STDIN, FCGI_STDOUT, RecordParser, recordHeader } from '../../../../src/modules/reverse_proxy/fastcgi/records.js';

/** Reads records back: [type, content] per record, checking version, id and padding. */
function records(buf: Buffer): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = [];
  let i = 0;
  while (i < buf.length) {
    expect(buf[i]).toBe(1);
    expect(buf.readUInt16BE(i + 2)).toBe(1);
    const len = buf.readUInt16BE(i + 4);
    const pad = buf[i + 6]!;
    expect((len + pad) % 8).toBe(0);
    out.push([buf[i + 1]!, buf.subarray(i + 8, i + 8 + len)]);
    i += 8 + len + pad;
  }
  return out;
}

function decodePairs(content: Buffer): Map<string, string> {
  const m = new Map<string, string>();
  let i = 0;
  const size = () => {
    if (content[i]! < 128) return content[i++]!;
    const n = content.readUInt32BE(i) & 0x7fffffff;
    i += 4;
    return n;
  };
  while (i < content.length) {
    const kl = size();
    const vl = size();
    m.set(content.toString('utf8', i, i + kl), content.toString('utf8', i + kl, i + kl + vl));
    i += kl + vl;
  }
  return m;
}

function record(type: number, content: Buffer): Buffer {
  const pad = Buffer.alloc(-content.length & 7);
  return Buffer.concat([recordHeader(type, content.length), content, pad]);
}

describe('FastCGI records', () => {
  it('a request starts as a responder without keep-alive; params of every size come back as written, over several records, ended by an empty one', () => {
    const params = new Map<string, string>([
      ['SCRIPT_FILENAME', '/srv/www/index.php'],
      ['HTTP_X_LONG_' + 'N'.repeat(200), 'v'.repeat(300)],
      ['EMPTY', ''],
      ['HTTP_COOKIE', 'c'.repeat(40_000)],
      ['HTTP_X_MORE', 'm'.repeat(40_000)],
      ['UTF8', 'ünïcode ✓'],
    ]);
    const all = records(encodeRequest(params, false));
    expect(all[0]).toEqual([FCGI_BEGIN_REQUEST, Buffer.from([0, 1, 0, 0, 0, 0, 0, 0])]);
    const recs = all.slice(1);
    expect(recs.every(([t]) => t === FCGI_PARAMS)).toBe(true);
    expect(recs.length).toBe(3);
    expect(recs[recs.length - 1]![1].length).toBe(0);
    const got = decodePairs(Buffer.concat(recs.map(([, c]) => c)));
    expect(got).toEqual(params);
    // Without a body, the end of STDIN goes in the same write.
    const bodyless = records(encodeRequest(new Map([['A', 'b']]), true));
    expect(bodyless.map(([t, c]) => [t, c.length])).toEqual([
      [FCGI_BEGIN_REQUEST, 8],
      [FCGI_PARAMS, 4],
      [FCGI_PARAMS, 0],
      [FCGI_STDIN, 0],
    ]);
  });

  it('a response reads the same however the connection cuts it', () => {
    const wire = Buffer.concat([
      record(FCGI_STDOUT, Buffer.from('Status: 201 Created\r\nContent-type: text/plain\r\n\r\nhello ')),
      record(FCGI_STDERR, Buffer.from('a warning')),
      record(FCGI_STDOUT, Buffer.from('world')),
      record(FCGI_END_REQUEST, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0])),
    ]);
    const run = (cut: number[]) => {
      let out = '';
      let err = '';
      let ended = 0;
      const p = new RecordParser({ stdout: (c) => (out += c.toString()), stderr: (c) => (err += c.toString()), end: () => ended++, malformed: (m) => (err += `!${m}`) });
      let from = 0;
      for (const at of [...cut, wire.length]) {
        p.push(wire.subarray(from, at));
        from = at;
      }
      return { out, err, ended };
    };
    const whole = run([]);
    expect(whole).toEqual({ out: 'Status: 201 Created\r\nContent-type: text/plain\r\n\r\nhello world', err: 'a warning', ended: 1 });
    for (let i = 1; i < wire.length; i++) expect(run([i])).toEqual(whole);
    expect(run(Array.from({ length: wire.length - 1 }, (_, i) => i + 1))).toEqual(whole);
  });

  it('bytes that are not FastCGI are refused', () => {
    let msg = '';
    new RecordParser({ stdout: () => {}, stderr: () => {}, end: () => {}, malformed: (m) => (msg = m) }).push(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'));
    expect(msg).toBe('fcgi: invalid header version');
  });
});

describe('CGI head', () => {
  it('Status gives the code and text; names are canonical; repeated fields kept', () => {
    const h = parseHead('Status: 404 Not Found\r\nx-powered-by: PHP\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-type: text/html\r\n\r\n');
    expect(h.status).toBe(404);
    expect(h.statusText).toBe('Not Found');
    expect(h.fields).toEqual([
      ['Status', '404 Not Found'],
      ['X-Powered-By', 'PHP'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
      ['Content-Type', 'text/html'],
    ]);
    expect(parseHead('Location: /x\n\n').status).toBe(200);
    expect(parseHead('X-A: one\r\n two\r\n\r\n').fields).toEqual([['X-A', 'one two']]);
  });

  it('garbage in the head is an error (the proxy answers 502)', () => {
    expect(() => parseHead('this is not a header\r\n\r\n')).toThrow('malformed MIME header line: this is not a header');
    expect(() => parseHead('Status: abc\r\n\r\n')).toThrow('invalid syntax');
  });

  it('the head may arrive in pieces; what follows it is the body', () => {
    const r = new HeadReader();
    expect(r.push(Buffer.from('Content-Type: text/plain\r'))).toBeNull();
    expect(r.push(Buffer.from('\n\r'))).toBeNull();
    const got = r.push(Buffer.from('\nbody bytes'));
    expect(got?.head.fields).toEqual([['Content-Type', 'text/plain']]);
    expect(got?.rest.toString()).toBe('body bytes');
    // Output without an empty line at all: all of it is the head (Go's ReadMIMEHeader accepts EOF there).
    const eof = new HeadReader();
    expect(eof.push(Buffer.from('X-Only: header'))).toBeNull();
    expect(eof.finish().fields).toEqual([['X-Only', 'header']]);
  });
});

describe('fastcgi transport config', () => {
  it("split_path matches case-insensitively at the first match, anywhere (Caddy's splitPos)", () => {
    const splits = decodeFastCGI({ protocol: 'fastcgi', split_path: ['.PHP'] }, 'transport').splitPath;
    expect(splits).toEqual(['.php']);
    expect(splitPos(splits, '/index.php/a/b')).toBe('/index.php'.length);
    expect(splitPos(splits, '/INDEX.PHP')).toBe('/INDEX.PHP'.length);
    expect(splitPos(splits, '/readme.txt')).toBe(-1);
    // Without split_path, the whole path is PATH_INFO.
    expect(splitPos([], '/x.php')).toBe(0);
  });

  it("defaults as Caddy's Provision sets them", () => {
    const c = decodeFastCGI({ protocol: 'fastcgi' }, 'transport');
    expect(c.root).toBe('{http.vars.root}');
    expect(c.dialTimeout).toBe(3000);
    expect(c.readTimeout).toBe(0);
    expect(c.captureStderr).toBe(false);
    const d = decodeFastCGI({ protocol: 'fastcgi', dial_timeout: '250ms', read_timeout: 2e9, env: { A: '{http.request.host}' } }, 'transport');
    expect([d.dialTimeout, d.readTimeout]).toEqual([250, 2000]);
    expect(d.env).toEqual([['A', '{http.request.host}']]);
    expect(() => decodeFastCGI({ protocol: 'fastcgi', env: { A: 1 } }, 'transport')).toThrow('transport.env.A: json: cannot unmarshal number into Go value of type string');
  });
});
