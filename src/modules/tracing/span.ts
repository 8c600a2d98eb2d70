/** A finished server span, as the batch processor queues it and the exporter encodes it. */

/** An attribute value: strings, and integers (int64 in OTLP) for ports, sizes and status codes. */
export type AttrValue = string | number | boolean;
/** Keys and values alternating ([k0, v0, k1, v1, ...]): one array per span, not one per attribute. */
export type Attributes = Array<string | AttrValue>;

/** OTLP's Status.StatusCode: UNSET 0, OK 1, ERROR 2. */
export const STATUS_UNSET = 0;
export const STATUS_ERROR = 2;

export interface SpanRecord {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  traceState: string;
  /** W3C flags of the span (sampled, random). */
  flags: number;
  /** The parent came from the request headers (OTLP's SPAN_FLAGS_CONTEXT_IS_REMOTE). */
  remoteParent: boolean;
  name: string;
  /** Unix epoch, milliseconds with a fractional part (performance.timeOrigin + now()). */
  startMs: number;
  endMs: number;
  attributes: Attributes;
  statusCode: number;
  statusMessage: string;
}

/** Sets an attribute as Go's span.SetAttributes does: a key already present keeps its place and takes the new value. */
export function setAttr(attrs: Attributes, key: string, value: AttrValue): void {
  for (let i = 0; i < attrs.length; i += 2) {
    if (attrs[i] === key) {
      attrs[i + 1] = value;
      return;
    }
  }
  attrs.push(key, value);
}
