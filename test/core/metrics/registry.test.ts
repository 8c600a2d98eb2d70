// The registry's exposition (client_golang's text and OpenMetrics output)
// and the snapshot merge that will combine workers' values.
import { describe, expect, it } from 'vitest';
import { formatSnapshot, promFloat, wantsOpenMetrics } from '../../../src/core/metrics/exposition.js';
import { mergeSnapshots, Registry } from '../../../src/core/metrics/registry.js';

describe('promFloat (strconv.FormatFloat g -1)', () => {
  it('writes numbers as Go does', () => {
    expect([0, 1, 0.005, 2.5, 262144, 1048576, 4194304, 1e6, 0.0001, 0.00003, 1.7e9, -3].map(promFloat)).toEqual([
      '0', '1', '0.005', '2.5', '262144', '1.048576e+06', '4.194304e+06', '1e+06', '0.0001', '3e-05', '1.7e+09', '-3',
    ]);
    expect([Infinity, -Infinity, NaN].map(promFloat)).toEqual(['+Inf', '-Inf', 'NaN']);
  });
});

describe('text exposition', () => {
  it('sorts families and series, sorts label names, escapes, cumulates buckets, leaves out empty families', () => {
    const r = new Registry();
    const c = r.counter('b_total', 'A counter\\with "help"\nlines.', ['z', 'a']);
    c.with('2', 'x').value = 3;
    c.with('1', 'q"\\\n').value = 1;
    r.gauge('empty', 'Nothing.', ['l']);
    const h = r.histogram('a_seconds', 'A histogram.', ['k'], [0.1, 1]);
    const hs = h.with('v');
    for (const v of [0.05, 0.5, 0.7, 3]) hs.observe(v);
    expect(formatSnapshot(r.snapshot())).toBe(
      [
        '# HELP a_seconds A histogram.',
        '# TYPE a_seconds histogram',
        'a_seconds_bucket{k="v",le="0.1"} 1',
        'a_seconds_bucket{k="v",le="1"} 3',
        'a_seconds_bucket{k="v",le="+Inf"} 4',
        'a_seconds_sum{k="v"} 4.25',
        'a_seconds_count{k="v"} 4',
        '# HELP b_total A counter\\\\with "help"\\nlines.',
        '# TYPE b_total counter',
        'b_total{a="q\\"\\\\\\n",z="1"} 1',
        'b_total{a="x",z="2"} 3',
        '',
      ].join('\n'),
    );
  });

  it('writes OpenMetrics: counters typed without _total, floats with a decimal, # EOF', () => {
    const r = new Registry();
    r.counter('x_total', 'X.').with().value = 2;
    r.histogram('y', 'Y.', [], [1, 1048576]).with().observe(2);
    expect(formatSnapshot(r.snapshot(), true)).toBe(
      [
        '# HELP x X.',
        '# TYPE x counter',
        'x_total 2.0',
        '# HELP y Y.',
        '# TYPE y histogram',
        'y_bucket{le="1.0"} 0',
        'y_bucket{le="1.048576e+06"} 1',
        'y_bucket{le="+Inf"} 1',
        'y_sum 2.0',
        'y_count 1',
        '# EOF',
        '',
      ].join('\n'),
    );
  });

  it('negotiates OpenMetrics by the Accept header', () => {
    expect(wantsOpenMetrics(undefined)).toBe(false);
    expect(wantsOpenMetrics('*/*')).toBe(false);
    expect(wantsOpenMetrics('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1')).toBe(true);
    expect(wantsOpenMetrics('text/plain, application/openmetrics-text;q=0.5')).toBe(false);
    expect(wantsOpenMetrics('application/openmetrics-text;version=2.0.0')).toBe(false);
  });

  it('reads collected families when scraped and replaces a family whose labels changed', () => {
    const r = new Registry();
    let n = 1;
    r.collector('c', 'C.', 'gauge', ['u'], () => [{ labels: ['a'], value: n }]);
    expect(formatSnapshot(r.snapshot())).toContain('c{u="a"} 1\n');
    n = 0;
    expect(formatSnapshot(r.snapshot())).toContain('c{u="a"} 0\n');
    const a = r.counter('k_total', 'K.', ['server']);
    a.with('s').value = 5;
    expect(r.counter('k_total', 'K.', ['server'])).toBe(a);
    const b = r.counter('k_total', 'K.', ['server', 'host']);
    expect(b).not.toBe(a);
    expect(formatSnapshot(r.snapshot())).not.toContain('k_total');
  });
});

describe('mergeSnapshots (per-worker values as one)', () => {
  it('adds counters and histograms, combines gauges by their aggregation, survives JSON', () => {
    const worker = (n: number) => {
      const r = new Registry();
      r.counter('req_total', 'R.', ['code']).with('200').value = n;
      r.counter('req_total', 'R.', ['code']).with(String(400 + n)).value = 1;
      r.histogram('d', 'D.', [], [1]).with().observe(n);
      r.gauge('start', 'S.', [], 'min').with().value = 100 + n;
      r.gauge('maxfds', 'M.', [], 'max').with().value = n;
      return JSON.parse(JSON.stringify(r.snapshot()));
    };
    const text = formatSnapshot(mergeSnapshots([worker(1), worker(2)]));
    expect(text).toContain('req_total{code="200"} 3\n');
    expect(text).toContain('req_total{code="401"} 1\nreq_total{code="402"} 1\n');
    expect(text).toContain('d_bucket{le="1"} 1\nd_bucket{le="+Inf"} 2\nd_sum 3\nd_count 2\n');
    expect(text).toContain('start 101\n');
    expect(text).toContain('maxfds 2\n');
  });
});
