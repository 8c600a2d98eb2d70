/**
 * The sampler opentelemetry-go's TracerProvider takes from
 * OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (sdk/trace/sampler_env.go);
 * its default, and the fallback for an unknown name or a bad ratio (Go
 * reports those through otel's error handler and goes on), is
 * parentbased_always_on.
 */
import type { RemoteParent } from './w3c.js';

/** Whether a new span is sampled, given its (remote) parent and trace ID. */
export type Sampler = (parent: RemoteParent | null, traceId: string) => boolean;

const on: Sampler = () => true;
const off: Sampler = () => false;

/**
 * TraceIDRatioBased: the trace ID's last 8 bytes as a big-endian uint64,
 * shifted right once, below fraction × 2^63. The top 52 of those bits, as
 * a double, decide the same but for IDs within 2^-52 of the bound.
 */
function ratio(fraction: number): Sampler {
  if (fraction >= 1) return on;
  if (fraction <= 0) return off;
  return (_p, traceId) => parseInt(traceId.slice(16, 29), 16) / 2 ** 52 < fraction;
}

function parentBased(root: Sampler): Sampler {
  return (parent, traceId) => (parent !== null ? (parent.flags & 1) === 1 : root(parent, traceId));
}

export interface SamplerChoice {
  sampler: Sampler;
  /** Set when the environment asked for something Go refuses (it logs this and uses the default). */
  error?: string;
}

function parseRatio(arg: string | undefined): { fraction: number; error?: string } {
  if (arg === undefined) return { fraction: 1 };
  const s = arg.trim();
  const v = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : NaN;
  if (Number.isNaN(v)) return { fraction: 1, error: `parsing sampler argument: strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax` };
  if (v < 0) return { fraction: 1, error: 'invalid trace ID ratio: less than 0.0' };
  if (v > 1) return { fraction: 1, error: 'invalid trace ID ratio: greater than 1.0' };
  return { fraction: v };
}

export function samplerFromEnv(env: NodeJS.ProcessEnv): SamplerChoice {
  const name = env.OTEL_TRACES_SAMPLER;
  const def = parentBased(on);
  if (name === undefined) return { sampler: def };
  const arg = env.OTEL_TRACES_SAMPLER_ARG;
  switch (name.trim().toLowerCase()) {
    case 'always_on':
      return { sampler: on };
    case 'always_off':
      return { sampler: off };
    case 'parentbased_always_on':
      return { sampler: def };
    case 'parentbased_always_off':
      return { sampler: parentBased(off) };
    case 'traceidratio': {
      const r = parseRatio(arg);
      return r.error !== undefined ? { sampler: def, error: r.error } : { sampler: ratio(r.fraction) };
    }
    case 'parentbased_traceidratio': {
      const r = parseRatio(arg);
      return r.error !== undefined ? { sampler: def, error: r.error } : { sampler: parentBased(ratio(r.fraction)) };
    }
    default:
      return { sampler: def, error: `unsupported sampler: ${name.trim().toLowerCase()}` };
  }
}
