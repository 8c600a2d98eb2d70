/**
 * JSON as Caddy's admin API writes it: the config lives in Go as
 * map[string]any, so objects marshal with sorted keys, and encoding/json
 * escapes <, > and & (and U+2028/9). ETags hash these exact bytes.
 */
import { sortKeysDeep } from '../go/json.js';

const htmlEscape = (text: string): string => text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** json.Marshal of a decoded JSON value (no trailing newline). `undefined` marshals as null, as Go's nil does. */
export function goMarshal(v: unknown): string {
  return htmlEscape(JSON.stringify(sortKeysDeep(v)) ?? 'null');
}

/** json.Encoder.Encode: Marshal plus a newline. */
export function goEncode(v: unknown): string {
  return `${goMarshal(v)}\n`;
}

/**
 * json.Unmarshal into `any`, with Go's error wording for the common syntax
 * errors (Caddy quotes them: "decoding request body: invalid character ...").
 */
export function goUnmarshal(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(goSyntaxError(text, err as Error));
  }
}

function goSyntaxError(text: string, err: Error): string {
  // V8: "... in JSON at position N" (or "Unexpected end of JSON input").
  const m = /at position (\d+)/.exec(err.message);
  if (m === null || /end of JSON input/.test(err.message)) return `unexpected end of JSON input, at offset ${text.length}`;
  const pos = Number(m[1]);
  const c = text[pos] ?? '';
  const shown = c === "'" ? "'\\''" : `'${c}'`;
  return `invalid character ${shown} looking for beginning of value, at offset ${pos + 1}`;
}
