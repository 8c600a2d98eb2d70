/**
 * A snapshot written out as client_golang's expfmt writes it (what Caddy
 * serves): the Prometheus text format 0.0.4, or OpenMetrics 1.0.0 when the
 * scraper asks for it. Families sorted by name, series by their label
 * values, label names sorted, empty families left out, numbers as Go's
 * strconv.FormatFloat(v, 'g', -1, 64) ("1.048576e+06").
 */
import type { FamilySnapshot, MetricsSnapshot, SeriesSnapshot } from './registry.js';

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** strconv.FormatFloat(v, 'g', -1, 64) with expfmt's spellings of the infinities. */
export function promFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return '0';
  const e = v.toExponential();
  const at = e.indexOf('e');
  const exp = Number(e.slice(at + 1));
  // Go's shortest %g switches to the exponent form from 1e+06 up and below 1e-04.
  if (exp < -4 || exp >= 6) {
    const a = Math.abs(exp);
    return `${e.slice(0, at)}e${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
  }
  return String(v);
}

/** expfmt's writeOpenMetricsFloat: a whole number keeps a ".0". */
function omFloat(v: number): string {
  const s = promFloat(v);
  return /[.eIN]/.test(s) ? s : `${s}.0`;
}

const escapeLabel = (v: string) => (/[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v);
const escapeHelp = (v: string) => (/[\\\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : v);
const escapeHelpOM = (v: string) => (/[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v);

/** Label pairs by name, and the series ordered by their values in that order (client_golang's order). */
function ordered(f: FamilySnapshot): { names: string[]; series: Array<{ s: SeriesSnapshot; values: string[] }> } {
  const order = f.labelNames.map((n, i) => [n, i] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const names = order.map(([n]) => n);
  const series = f.series.map((s) => ({ s, values: order.map(([, i]) => s.labels[i] ?? '') }));
  series.sort((a, b) => {
    for (let i = 0; i < names.length; i++) {
      const x = a.values[i]!;
      const y = b.values[i]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
  return { names, series };
}

function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  const parts: string[] = [];
  for (let i = 0; i < names.length; i++) parts.push(`${names[i]}="${escapeLabel(values[i]!)}"`);
  if (extra !== undefined) parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** The text a scrape answers; `openMetrics` for a scraper that negotiated it. */
export function formatSnapshot(snap: MetricsSnapshot, openMetrics = false): string {
  const families = snap.families.filter((f) => f.series.length > 0).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const num = openMetrics ? omFloat : promFloat;
  let out = '';
  for (const f of families) {
    const { names, series } = ordered(f);
    const base = openMetrics && f.type === 'counter' && f.name.endsWith('_total') ? f.name.slice(0, -6) : f.name;
    // OpenMetrics has counters end in _total; expfmt types any other counter "unknown" (caddy_rate_limit_config).
    const type = openMetrics && f.type === 'counter' && base === f.name ? 'unknown' : f.type;
    out += `# HELP ${base} ${openMetrics ? escapeHelpOM(f.help) : escapeHelp(f.help)}\n# TYPE ${base} ${type}\n`;
    for (const { s, values } of series) {
      if (f.type !== 'histogram') {
        out += `${f.name}${labelText(names, values)} ${num(s.value ?? 0)}\n`;
        continue;
      }
      const bounds = f.bounds ?? [];
      const counts = s.counts ?? [];
      let cum = 0;
      for (let i = 0; i < bounds.length; i++) {
        cum += counts[i] ?? 0;
        out += `${f.name}_bucket${labelText(names, values, `le="${num(bounds[i]!)}"`)} ${cum}\n`;
      }
      out += `${f.name}_bucket${labelText(names, values, 'le="+Inf"')} ${s.count ?? 0}\n`;
      out += `${f.name}_sum${labelText(names, values)} ${num(s.sum ?? 0)}\n`;
      out += `${f.name}_count${labelText(names, values)} ${s.count ?? 0}\n`;
    }
  }
  if (openMetrics) out += '# EOF\n';
  return out;
}

/**
 * Whether an Accept header prefers OpenMetrics (expfmt's
 * NegotiateIncludingOpenMetrics): the highest-q acceptable type decides.
 */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (accept === undefined || !accept.includes('openmetrics')) return false;
  let best = -1;
  let om = false;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((p) => p.trim());
    let q = 1;
    let version = '';
    for (const p of params) {
      const eq = p.indexOf('=');
      const k = p.slice(0, eq).trim().toLowerCase();
      const v = p.slice(eq + 1).trim();
      if (k === 'q') q = Number(v);
      else if (k === 'version') version = v;
    }
    const t = type.toLowerCase();
    const isOM = t === 'application/openmetrics-text' && (version === '' || version === '0.0.1' || version === '1.0.0');
    const isText = t === 'text/plain' || t === '*/*' || t === 'text/*';
    if (!(isOM || isText) || !(q > best)) continue;
    best = q;
    om = isOM;
  }
  return om;
}
