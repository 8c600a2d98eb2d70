// The sliding window of one zone (the plugin's ring buffer) over explicit
// time, its bounded memory with a million keys, and the shared arena's blocks.
import { describe, expect, it } from 'vitest';
import { arenaBlock } from '../../../src/core/shared/arena.js';
import { retryAfter, zoneTable } from '../../../src/modules/rate_limit/handler.js';
import { networkKey } from '../../../src/modules/rate_limit/prefix.js';
import { WAYS, WindowTable, zoneLayout } from '../../../src/modules/rate_limit/window_table.js';

const T0 = 1_800_000_000_000;

function table(events: number, windowMs: number, maxKeys?: number): WindowTable {
  const layout = zoneLayout(events, undefined, maxKeys);
  return new WindowTable(layout, new ArrayBuffer(layout.bytes), 0, windowMs);
}

describe('rate_limit sliding window', () => {
  it('allows exactly `events` per window: event N passes, N+1 waits until the oldest leaves', () => {
    const t = table(3, 10_000);
    expect(t.when('a', T0)).toBe(0);
    expect(t.when('a', T0 + 1000)).toBe(0);
    expect(t.when('a', T0 + 2000)).toBe(0);
    // The 4th: the oldest (T0) leaves the window after T0 + 10 s.
    expect(t.when('a', T0 + 3000)).toBe(7000);
    // Refused events are not recorded: the wait keeps counting down to the same instant.
    expect(t.when('a', T0 + 9000)).toBe(1000);
    expect(t.when('a', T0 + 9999)).toBe(1);
    // Exactly one window later the oldest has left: the window is (now - window, now].
    expect(t.when('a', T0 + 10_000)).toBe(0);
    expect(t.when('a', T0 + 10_000)).toBe(1000);
  });

  it('slides: each event frees its place one window after it happened', () => {
    const t = table(2, 1000);
    expect(t.when('k', T0)).toBe(0);
    expect(t.when('k', T0 + 500)).toBe(0);
    expect(t.when('k', T0 + 999)).toBe(1);
    expect(t.when('k', T0 + 1000)).toBe(0); // T0 left; T0+1000 takes its place
    expect(t.when('k', T0 + 1200)).toBe(300); // T0+500 leaves at T0+1500
    expect(t.when('k', T0 + 1500)).toBe(0);
    expect(t.when('k', T0 + 1502)).toBe(1000 + 1000 - 1502);
  });

  it('keys are independent; a window change on reload applies to recorded events', () => {
    const t = table(1, 60_000);
    expect(t.when('x', T0)).toBe(0);
    expect(t.when('y', T0)).toBe(0);
    expect(t.when('x', T0 + 1)).toBe(59_999);
    t.windowMs = 1000;
    expect(t.when('x', T0 + 1001)).toBe(0);
  });

  it('events 0 refuses everything for a window', () => {
    const t = table(0, 5000);
    expect(t.when('a', T0)).toBe(5000);
    expect(t.keys()).toBe(0);
  });

  it('sweep forgets keys whose newest event left the window, and only those', () => {
    const t = table(2, 1000);
    t.when('old', T0);
    t.when('new', T0 + 900);
    expect(t.keys()).toBe(2);
    expect(t.sweep(T0 + 1500)).toBe(1);
    expect(t.keys()).toBe(1);
    // The swept key starts over; the live one keeps its count.
    expect(t.when('new', T0 + 1500)).toBe(0);
    expect(t.when('new', T0 + 1501)).toBeGreaterThan(0);
  });

  it('a bucket full of live keys gives the least recently used slot to a new key; the others keep their counts', () => {
    // One bucket: every key lands in it.
    const t = table(1, 60_000, WAYS);
    expect(t.layout.buckets).toBe(1);
    for (let i = 0; i < WAYS; i++) expect(t.when(`k${i}`, T0 + i)).toBe(0);
    expect(t.when('intruder', T0 + 100)).toBe(0); // takes k0's slot (oldest)
    for (let i = 1; i < WAYS; i++) expect(t.when(`k${i}`, T0 + 200)).toBeGreaterThan(0);
    expect(t.when('k0', T0 + 300)).toBe(0); // k0 was evicted: it starts over
    expect(t.keys()).toBe(WAYS);
  });

  it('a million distinct keys stay within the zone budget, and a sweep frees them', () => {
    const t = zoneTable(`million ${process.pid}`, 5, 1000);
    const bytes = t.layout.bytes;
    expect(bytes).toBeLessThanOrEqual(32 * 2 ** 20 + 8 * 2 ** 20);
    let refused = 0;
    const run = (from: number, to: number) => {
      for (let i = from; i < to; i++) if (t.when(`client-${i}`, T0 + (i >> 10)) !== 0) refused++;
    };
    // The first 200,000 keys touch every page of the table; the next 800,000 must add nothing.
    run(0, 200_000);
    const before = process.memoryUsage();
    run(200_000, 1_000_000);
    const after = process.memoryUsage();
    expect(refused).toBe(0);
    expect(after.rss - before.rss).toBeLessThan(48 * 2 ** 20);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(48 * 2 ** 20);
    const capacity = t.layout.buckets * WAYS;
    expect(t.keys()).toBeLessThanOrEqual(capacity);
    expect(t.keys()).toBeGreaterThan(capacity * 0.9);
    expect(t.sweep(T0 + 10_000)).toBeGreaterThan(capacity * 0.9);
    expect(t.keys()).toBe(0);
  }, 60_000);
});

describe('rate_limit shared memory', () => {
  it('a zone asked for again (a reload) gets the same memory, so its counts survive; another size gets fresh memory', () => {
    const a = zoneTable(`reload ${process.pid}`, 2, 60_000);
    expect(a.when('k', T0)).toBe(0);
    expect(a.when('k', T0)).toBe(0);
    const b = zoneTable(`reload ${process.pid}`, 2, 60_000);
    expect(b.when('k', T0 + 1)).toBeGreaterThan(0);
    const c = zoneTable(`reload ${process.pid}`, 3, 60_000);
    expect(c.when('k', T0 + 1)).toBe(0);
  });

  it('blocks are 8-aligned, zeroed and distinct', () => {
    const x = arenaBlock(`x ${process.pid}`, 13);
    const y = arenaBlock(`y ${process.pid}`, 8);
    expect(x.shared && y.shared).toBe(true);
    expect(x.offset % 8).toBe(0);
    expect(y.offset).toBeGreaterThanOrEqual(x.offset + 16);
    expect([...new Uint8Array(y.buffer, y.offset, 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('rate_limit Retry-After and keys', () => {
  it.each([
    [1, '1'],
    [400, '1'],
    [1001, '2'],
    [2500, '3'],
    [59_999, '60'],
    // Go's FormatFloat rounds an exact half to even: the plugin's quirk, kept.
    [1000, '2'],
    [2000, '2'],
  ])('wait %i ms → Retry-After %s', (ms, want) => {
    expect(retryAfter(ms)).toBe(want);
  });

  it.each([
    ['192.0.2.77', 24, 0, '192.0.2.0/24'],
    ['192.0.2.77', 0, 64, '192.0.2.77'],
    ['::ffff:192.0.2.77', 16, 0, '192.0.0.0/16'],
    ['2001:db8:1:2:3:4:5:6', 0, 64, '2001:db8:1:2::/64'],
    ['2001:db8:1:2:3:4:5:6', 24, 0, '2001:db8:1:2:3:4:5:6'],
    ['fe80::1%eth0', 0, 64, 'fe80::1%eth0'],
    ['not-an-ip', 24, 64, 'not-an-ip'],
  ])('%s with ipv4_prefix %i, ipv6_prefix %i → %s', (key, v4, v6, want) => {
    expect(networkKey(key, v4, v6)).toBe(want);
  });
});
