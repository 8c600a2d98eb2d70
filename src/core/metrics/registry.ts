/**
 * A small metrics registry in the shape Prometheus exposes (counters,
 * gauges, histograms with fixed label names). It is hand-written rather
 * than prom-client because the request path must stay cheap: a caller
 * resolves its series once (at load, or once per label combination) and
 * then adds to a number; prom-client hashes the label object on every
 * inc/observe (measured: README, "Metrics").
 *
 * Everything a scrape shows goes through a snapshot, a plain JSON value, so
 * the values of several workers can be merged (mergeSnapshots) before they
 * are written out: each family says how its series combine.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** How one series' values from several workers combine (prom-client's cluster aggregators). */
export type Aggregation = 'sum' | 'min' | 'max' | 'first';

/** A counter or gauge series: one number, added to in place. */
export class Series {
  value = 0;
  constructor(readonly labels: readonly string[]) {}
}

/** A histogram series; `counts[i]` counts observations in (bounds[i-1], bounds[i]], not cumulatively. */
export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: readonly string[],
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
}

export interface SeriesSnapshot {
  labels: string[];
  /** Counters and gauges. */
  value?: number;
  /** Histograms: per-bucket counts (not cumulative), sum and count. */
  counts?: number[];
  sum?: number;
  count?: number;
}

export interface FamilySnapshot {
  name: string;
  help: string;
  type: MetricType;
  labelNames: string[];
  aggregation: Aggregation;
  /** Histograms: the buckets' upper bounds, +Inf implied. */
  bounds?: number[];
  series: SeriesSnapshot[];
}

/** What one process (worker) holds now: JSON, so it can cross a worker boundary. */
export interface MetricsSnapshot {
  families: FamilySnapshot[];
}

const SEP = '\xff';

abstract class Family<S> {
  protected readonly series = new Map<string, S>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    readonly labelNames: readonly string[],
    readonly aggregation: Aggregation,
  ) {}

  /** The series for these label values (in labelNames' order), made on first use; hold on to it. */
  with(...values: string[]): S {
    const key = values.join(SEP);
    let s = this.series.get(key);
    if (s === undefined) {
      s = this.make(values);
      this.series.set(key, s);
    }
    return s;
  }

  /** Drops every series (Caddy's GaugeVec.Reset). */
  reset(): void {
    this.series.clear();
  }

  protected abstract make(values: string[]): S;
  abstract snapshot(): FamilySnapshot;
}

export class ValueFamily extends Family<Series> {
  protected make(values: string[]): Series {
    return new Series(values);
  }
  snapshot(): FamilySnapshot {
    const series: SeriesSnapshot[] = [];
    for (const s of this.series.values()) series.push({ labels: [...s.labels], value: s.value });
    return { name: this.name, help: this.help, type: this.type, labelNames: [...this.labelNames], aggregation: this.aggregation, series };
  }
}

export class HistogramFamily extends Family<HistogramSeries> {
  constructor(name: string, help: string, labelNames: readonly string[], readonly bounds: readonly number[]) {
    super(name, help, 'histogram', labelNames, 'sum');
  }
  protected make(values: string[]): HistogramSeries {
    return new HistogramSeries(values, this.bounds);
  }
  snapshot(): FamilySnapshot {
    const series: SeriesSnapshot[] = [];
    for (const s of this.series.values()) series.push({ labels: [...s.labels], counts: Array.from(s.counts), sum: s.sum, count: s.count });
    return { name: this.name, help: this.help, type: 'histogram', labelNames: [...this.labelNames], aggregation: 'sum', bounds: [...this.bounds], series };
  }
}

/** Values read when scraped (process figures, upstream health): nothing to keep up to date. */
export interface Sample {
  labels: string[];
  value: number;
}

class CollectedFamily {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    readonly labelNames: readonly string[],
    readonly aggregation: Aggregation,
    readonly collect: () => Iterable<Sample>,
  ) {}
  snapshot(): FamilySnapshot {
    const series: SeriesSnapshot[] = [];
    for (const s of this.collect()) series.push({ labels: s.labels, value: s.value });
    return { name: this.name, help: this.help, type: this.type, labelNames: [...this.labelNames], aggregation: this.aggregation, series };
  }
}

type AnyFamily = ValueFamily | HistogramFamily | CollectedFamily;

const sameLabels = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export class Registry {
  private readonly families = new Map<string, AnyFamily>();

  /**
   * The family of that name, made on first use. Asked again with other
   * label names (a reload switched per_host), the old family and its
   * series are replaced: one name has one label set.
   */
  counter(name: string, help: string, labelNames: readonly string[] = [], aggregation: Aggregation = 'sum'): ValueFamily {
    return this.value(name, help, 'counter', labelNames, aggregation);
  }

  gauge(name: string, help: string, labelNames: readonly string[] = [], aggregation: Aggregation = 'sum'): ValueFamily {
    return this.value(name, help, 'gauge', labelNames, aggregation);
  }

  histogram(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]): HistogramFamily {
    const f = this.families.get(name);
    if (f instanceof HistogramFamily && sameLabels(f.labelNames, labelNames) && sameLabels(f.bounds.map(String), bounds.map(String))) return f;
    const made = new HistogramFamily(name, help, labelNames, bounds);
    this.families.set(name, made);
    return made;
  }

  /** A family read at scrape time; registering the name again replaces the reader. */
  collector(name: string, help: string, type: MetricType, labelNames: readonly string[], collect: () => Iterable<Sample>, aggregation: Aggregation = 'sum'): void {
    this.families.set(name, new CollectedFamily(name, help, type, labelNames, aggregation, collect));
  }

  private value(name: string, help: string, type: MetricType, labelNames: readonly string[], aggregation: Aggregation): ValueFamily {
    const f = this.families.get(name);
    if (f instanceof ValueFamily && f.type === type && sameLabels(f.labelNames, labelNames)) return f;
    const made = new ValueFamily(name, help, type, labelNames, aggregation);
    this.families.set(name, made);
    return made;
  }

  snapshot(): MetricsSnapshot {
    return { families: [...this.families.values()].map((f) => f.snapshot()) };
  }
}

/**
 * Several workers' snapshots as one: series with the same name and labels
 * combine by their family's aggregation (counters and histograms add up).
 */
export function mergeSnapshots(snaps: readonly MetricsSnapshot[]): MetricsSnapshot {
  const families = new Map<string, { f: FamilySnapshot; series: Map<string, SeriesSnapshot> }>();
  for (const snap of snaps) {
    for (const f of snap.families) {
      let acc = families.get(f.name);
      if (acc === undefined) {
        acc = { f: { ...f, series: [] }, series: new Map() };
        families.set(f.name, acc);
      }
      for (const s of f.series) {
        const key = s.labels.join(SEP);
        const prev = acc.series.get(key);
        if (prev === undefined) {
          acc.series.set(key, { ...s, labels: [...s.labels], counts: s.counts && [...s.counts] });
          continue;
        }
        combine(prev, s, acc.f.aggregation);
      }
    }
  }
  return { families: [...families.values()].map(({ f, series }) => ({ ...f, series: [...series.values()] })) };
}

function combine(into: SeriesSnapshot, s: SeriesSnapshot, how: Aggregation): void {
  if (how === 'first') return;
  if (into.counts !== undefined && s.counts !== undefined) {
    for (let i = 0; i < into.counts.length; i++) into.counts[i]! += s.counts[i] ?? 0;
    into.sum = (into.sum ?? 0) + (s.sum ?? 0);
    into.count = (into.count ?? 0) + (s.count ?? 0);
    return;
  }
  const a = into.value ?? 0;
  const b = s.value ?? 0;
  into.value = how === 'sum' ? a + b : how === 'min' ? Math.min(a, b) : Math.max(a, b);
}
