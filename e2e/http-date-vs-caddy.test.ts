// file_server's conditional requests read their dates as Go's http.ParseTime
// does (src/go/http_date.ts): the same If-Modified-Since, If-Unmodified-Since
// and If-Range values, well-formed, lenient in Go's ways, and malformed, get
// the same answers from the real Caddy (2.6.2) and from tsweb. tsweb used to
// read them with Date.parse, which took "UTC", a missing comma, a one-digit
// day or a 31st of June as dates and answered 304 where Caddy serves the file.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pair, startPair } from './serve-diff.js';

const MTIME = Date.UTC(1994, 10, 6, 8, 49, 37) / 1000;

let pair: Pair;
beforeAll(async () => {
  pair = await startPair(
    `{
	admin off
	auto_https off
}

:{{PORT:web}} {
	root * {{DIR}}/www
	file_server
}
`,
    (dir) => {
      const www = join(dir, 'www');
      mkdirSync(www);
      writeFileSync(join(www, 'f.txt'), 'hello world\n');
      utimesSync(join(www, 'f.txt'), MTIME, MTIME);
    },
  );
}, 30_000);
afterAll(() => pair?.stop());

/** Dates for the file's own mtime that Go reads. */
const readable = [
  'Sun, 06 Nov 1994 08:49:37 GMT',
  'Sunday, 06-Nov-94 08:49:37 GMT',
  'Sun Nov  6 08:49:37 1994',
  'Fri, 06 Nov 1994 08:49:37 GMT',
  'SUN, 06 NOV 1994 08:49:37 GMT',
  'Sun,  06 Nov 1994 08:49:37 GMT',
  'Sun Nov 6 08:49:37 1994',
  'Sun, 06 Nov 1994 8:49:37 GMT',
  'Sun, 06 Nov 1994 08:49:37.25 GMT',
  'Sunday, 06-Nov-94 08:49:37 PST',
];
/** Not dates to Go; several were to Date.parse. */
const unreadable = [
  'Sun, 06 Nov 1994 08:49:37 gmt',
  'Sun, 06 Nov 1994 08:49:37 UTC',
  'Sun 06 Nov 1994 08:49:37 GMT',
  'Sun, 6 Nov 1994 08:49:37 GMT',
  'Sun, 06 Nov 94 08:49:37 GMT',
  'Sun, 06 Nov 1994 08:49:60 GMT',
  'Sunday, 06-Nov-94 08:49:37 Gmt',
  'Sun, 06 Nov 1994 08:49:37 GMT extra',
  '1994-11-06T08:49:37Z',
];
/** After the mtime: only the day out of range keeps Go from reading it. */
const later = ['Sat, 30 Jun 1995 08:49:37 GMT', 'Sat, 31 Jun 1995 08:49:37 GMT', 'Mon, 29 Feb 1900 08:49:37 GMT'];

describe('conditional requests read dates as Caddy does', () => {
  it.each(readable)('If-Modified-Since: %s → 304 from both', async (date) => {
    const [c, t] = await pair.both({ path: '/f.txt', headers: { 'If-Modified-Since': date } });
    expect([c !== 'dropped' && c.status, t !== 'dropped' && t.status]).toEqual([304, 304]);
  });

  it.each([...unreadable, ...later])('If-Modified-Since: %s → the same as Caddy', async (date) => {
    const [c, t] = await pair.both({ path: '/f.txt', headers: { 'If-Modified-Since': date } });
    expect(c).not.toBe('dropped');
    expect(t !== 'dropped' && t.status).toBe(c !== 'dropped' && c.status);
  });

  it('the answers that used to differ: 200 with the file', async () => {
    for (const date of ['Sun, 06 Nov 1994 08:49:37 UTC', 'Sun 06 Nov 1994 08:49:37 GMT', 'Sat, 31 Jun 1995 08:49:37 GMT']) {
      const t = await pair.ask('tsweb', { path: '/f.txt', headers: { 'If-Modified-Since': date } });
      expect(t !== 'dropped' && [t.status, t.body]).toEqual([200, 'hello world\n']);
    }
  });

  it.each(['Sat, 05 Nov 1994 08:49:37 GMT', 'Sat Nov  5 08:49:37 1994', 'Sat, 05 Nov 1994 08:49:37 UTC', 'Sun, 06 Nov 1994 08:49:37 GMT'])(
    'If-Unmodified-Since: %s → the same as Caddy',
    async (date) => {
      const [c, t] = await pair.both({ path: '/f.txt', headers: { 'If-Unmodified-Since': date } });
      expect(c).not.toBe('dropped');
      expect(t !== 'dropped' && t.status).toBe(c !== 'dropped' && c.status);
    },
  );

  it.each(['Sun, 06 Nov 1994 08:49:37 GMT', 'Sunday, 06-Nov-94 08:49:37 UTC', 'Sun, 06 Nov 1994 08:49:37.9 GMT', 'Sun, 06 Nov 1994 08:49:37 UTC'])(
    'If-Range: %s → the same as Caddy',
    async (date) => {
      const [c, t] = await pair.both({ path: '/f.txt', headers: { Range: 'bytes=0-4', 'If-Range': date } });
      expect(c).not.toBe('dropped');
      expect(t !== 'dropped' && [t.status, t.body]).toEqual(c !== 'dropped' && [c.status, c.body]);
    },
  );
});
