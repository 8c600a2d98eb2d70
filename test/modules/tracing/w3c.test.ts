// traceparent / tracestate as opentelemetry-go's TraceContext propagator reads them (its trace_context_test.go cases).
import { describe, expect, it } from 'vitest';
import { formatTraceparent, parseTraceparent, parseTraceState } from '../../../src/modules/tracing/w3c.js';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';

describe('traceparent', () => {
  it.each([
    [`00-${T}-${S}-00`, 0],
    [`00-${T}-${S}-01`, 1],
    [`00-${T}-${S}-03`, 3], // sampled + random
    [`01-${T}-${S}-01`, 1], // a future version may add fields...
    [`01-${T}-${S}-09-what-the-future-will-be-like`, 1], // ...and unknown flag bits are dropped
    [`fe-${T}-${S}-01`, 1],
  ])('%s is accepted with flags %d', (h, flags) => {
    expect(parseTraceparent(h, undefined)).toEqual({ traceId: T, spanId: S, flags, traceState: '' });
  });

  it.each([
    ['ff version', `ff-${T}-${S}-01`],
    ['version 00 with more fields', `00-${T}-${S}-01-what`],
    ['version 00 with reserved flags', `00-${T}-${S}-09`],
    ['upper-case hex', `00-${T.toUpperCase()}-${S}-01`],
    ['zero trace id', `00-${'0'.repeat(32)}-${S}-01`],
    ['zero span id', `00-${T}-${'0'.repeat(16)}-01`],
    ['short trace id', `00-${T.slice(1)}-${S}-01`],
    ['short flags', `00-${T}-${S}-1`],
    ['not hex', `00-${T}-${S.replace('0', 'g')}-01`],
    ['garbage', 'hello'],
    ['empty', ''],
  ])('%s is refused', (_what, h) => {
    expect(parseTraceparent(h, undefined)).toBeNull();
  });

  it('reads the first of repeated headers (Node joins them with ", ")', () => {
    expect(parseTraceparent(`00-${T}-${S}-01, 00-${T}-${'1'.repeat(16)}-00`, undefined)?.spanId).toBe(S);
  });

  it('writes version 00 with the kept flags', () => {
    expect(formatTraceparent(T, S, 1)).toBe(`00-${T}-${S}-01`);
    expect(formatTraceparent(T, S, 3)).toBe(`00-${T}-${S}-03`);
    expect(formatTraceparent(T, S, 0)).toBe(`00-${T}-${S}-00`);
  });
});

describe('tracestate', () => {
  it.each([
    ['congo=t61rcWkgMzE', 'congo=t61rcWkgMzE'],
    ['congo=t61rcWkgMzE, rojo=00f067aa0ba902b7', 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'],
    ['a=1,,b=2', 'a=1,b=2'],
    ['tenant@system=v', 'tenant@system=v'],
    ['0tenant@system=v', '0tenant@system=v'],
    ['a=some value', 'a=some value'],
    ['a=1 \t', 'a=1'],
  ])('%j → %j', (input, out) => {
    expect(parseTraceState(input)).toBe(out);
  });

  it.each([
    ['a member without =', 'a=1,b'],
    ['a key with upper case', 'Key=1'],
    ['a key starting with a digit', '1a=1'],
    ['a duplicate key', 'a=1,a=2'],
    ['an empty value', 'a='],
    ['a value with =', 'a=b=c'],
    ['33 members', Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')],
    ['a system part over 14 characters', 't@abcdefghijklmno=v'],
  ])('%s drops the whole list', (_what, input) => {
    expect(parseTraceState(input)).toBe('');
  });

  it('an invalid tracestate does not invalidate the traceparent', () => {
    expect(parseTraceparent(`00-${T}-${S}-01`, 'a=1,a=2')).toEqual({ traceId: T, spanId: S, flags: 1, traceState: '' });
  });
});
