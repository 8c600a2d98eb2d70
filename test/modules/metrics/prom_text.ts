// A strict-enough reader of the Prometheus text format for assertions: every
// line must be a HELP, a TYPE or a sample, and every sample's family typed.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: Sample[];
}

const unescape = (v: string) => v.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));

export function parseProm(text: string): Exposition {
  const out: Exposition = { types: new Map(), help: new Map(), samples: [] };
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  for (const line of text.slice(0, -1).split('\n')) {
    let m = /^# HELP (\w+) (.*)$/.exec(line);
    if (m) {
      out.help.set(m[1]!, m[2]!);
      continue;
    }
    m = /^# TYPE (\w+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m) {
      out.types.set(m[1]!, m[2]!);
      continue;
    }
    m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a valid line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    if (m[2] !== undefined) {
      for (const l of m[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"(,|$)/g)) labels[l[1]!] = unescape(l[2]!);
    }
    const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
    if (Number.isNaN(value) && m[3] !== 'NaN') throw new Error(`bad value in ${line}`);
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '');
    if (!out.types.has(m[1]!) && !(out.types.get(family) === 'histogram')) throw new Error(`sample before its TYPE: ${line}`);
    out.samples.push({ name: m[1]!, labels, value });
  }
  return out;
}

/** The samples of `name` whose labels include `want`. */
export function find(e: Exposition, name: string, want: Record<string, string> = {}): Sample[] {
  return e.samples.filter((s) => s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v));
}

export function value(e: Exposition, name: string, want: Record<string, string> = {}): number | undefined {
  const got = find(e, name, want);
  if (got.length > 1) throw new Error(`${name} ${JSON.stringify(want)}: ${got.length} series`);
  return got[0]?.value;
}
