/**
 * The `encode` handler's JSON (Caddy's encode.Encode) and its encoders'
 * (http.encoders.gzip, .zstd, and tsweb's .br), as the `encode` directive
 * writes them, and the decoder the handler provisions from.
 */
import { DecodeError, ObjectReader } from '../../core/decode.js';
import { decodeResponseMatcher, type ResponseMatcherConfig } from '../../core/header_ops.js';
import type { JSONObject } from '../../core/registry.js';

/** Caddy's gzip.Gzip: level 1–9; 0 or absent: 5. */
export interface GzipConfig {
  level?: number;
}

/** Caddy's zstd.Zstd. */
export interface ZstdConfig {
  level?: 'fastest' | 'default' | 'better' | 'best' | '';
  /** The frame checksum; accepted and not acted on (Node's encoder default). */
  checksum?: boolean;
}

/** Brotli (a tsweb encoder; Node ships it): quality 0–11, 4 by default. */
export interface BrotliConfig {
  quality?: number;
}

export interface EncodingsConfig {
  gzip?: GzipConfig;
  zstd?: ZstdConfig;
  br?: BrotliConfig;
}

export interface EncodeConfig {
  handler: 'encode';
  encodings?: EncodingsConfig;
  prefer?: string[];
  minimum_length?: number;
  match?: ResponseMatcherConfig;
}

/** One encoder's settings, checked: the level or quality its zlib stream takes. */
export type Encoder = { name: 'gzip'; level: number } | { name: 'zstd'; level: number } | { name: 'br'; quality: number };

export interface Encode {
  /** By Content-Encoding name, in the JSON's order. */
  encoders: Map<string, Encoder>;
  prefer: string[];
  minLength: number;
  match: ResponseMatcherConfig;
}

const DEFAULT_MIN_LENGTH = 512;

/** Caddy's default `match`: common text-based types (encode.go). */
const DEFAULT_TYPES = [
  'application/atom+xml*', 'application/eot*', 'application/font*', 'application/geo+json*', 'application/graphql+json*',
  'application/javascript*', 'application/json*', 'application/ld+json*', 'application/manifest+json*', 'application/opentype*',
  'application/otf*', 'application/rss+xml*', 'application/truetype*', 'application/ttf*', 'application/vnd.api+json*',
  'application/vnd.ms-fontobject*', 'application/wasm*', 'application/x-httpd-cgi*', 'application/x-javascript*',
  'application/x-opentype*', 'application/x-otf*', 'application/x-perl*', 'application/x-protobuf*', 'application/x-ttf*',
  'application/xhtml+xml*', 'application/xml*', 'font/ttf*', 'font/otf*', 'image/svg+xml*', 'image/vnd.microsoft.icon*',
  'image/x-icon*', 'multipart/bag*', 'multipart/mixed*', 'text/*',
];

// Caddy's zstd levels (klauspost's EncoderLevel) mapped to the reference library's.
const ZSTD_LEVELS: Record<string, number> = { fastest: 1, default: 3, better: 7, best: 11 };

function gzip(r: ObjectReader): Encoder {
  const level = r.int('level', 0);
  if (level < 0 || level > 9) throw new Error(`gzip: level must be between 1 and 9 (got ${level})`);
  return { name: 'gzip', level: level === 0 ? 5 : level };
}

function zstd(r: ObjectReader): Encoder {
  const name = r.str('level', '');
  const level = ZSTD_LEVELS[name === '' ? 'default' : name];
  if (level === undefined) throw new Error(`zstd: unknown level ${JSON.stringify(name)} (fastest, default, better, best)`);
  // Node's encoder writes no checksum unless asked; tsweb has always accepted the field and left it so.
  r.bool('checksum');
  return { name: 'zstd', level };
}

function br(r: ObjectReader): Encoder {
  const quality = r.int('quality', 4);
  if (quality < 0 || quality > 11) throw new Error(`br: quality must be between 0 and 11 (got ${quality})`);
  return { name: 'br', quality };
}

const encoderModules: Record<string, (r: ObjectReader) => Encoder> = { gzip, zstd, br };

function decodeEncodings(r: ObjectReader): Map<string, Encoder> {
  const out = new Map<string, Encoder>();
  const encodings = r.obj('encodings', 'caddy.ModuleMap');
  for (const name of Object.keys(encodings.json)) {
    if (name === '@id') continue;
    const decode = Object.hasOwn(encoderModules, name) ? encoderModules[name] : undefined;
    if (decode === undefined) throw new Error(`loading encoder modules: unknown module: http.encoders.${name}`);
    const er = encodings.obj(name);
    out.set(name, decode(er));
    er.done();
  }
  return out;
}

export function decodeEncode(json: JSONObject): Encode {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const encoders = decodeEncodings(r);
  const prefer = r.strList('prefer');
  const seen = new Set<string>();
  for (const name of prefer) {
    if (!encoders.has(name)) throw new Error(`encoding ${name} not enabled`);
    if (seen.has(name)) throw new Error(`encoding ${name} is duplicated in prefer`);
    seen.add(name);
  }
  const minRaw = r.int('minimum_length', 0);
  if (minRaw < 0) throw new DecodeError(r.at('minimum_length'), 'must be a non-negative integer');
  const match = decodeResponseMatcher(r.raw('match'), r.at('match')) ?? { headers: { 'Content-Type': DEFAULT_TYPES } };
  r.done();
  return { encoders, prefer, minLength: minRaw === 0 ? DEFAULT_MIN_LENGTH : minRaw, match };
}
