/**
 * The encoders `encode` can use (Caddy's http.encoders.* modules): gzip
 * (level 1–9, Caddy's default 5), zstd (level fastest/default/better/best,
 * as Caddy's klauspost encoder names them; Node 24's zlib has zstd) and br
 * (brotli quality 0–11; 4 by default, a speed suited to dynamic content).
 * Each config is checked once; a factory makes one stream per response.
 */
import { constants, createBrotliCompress, createGzip, createZstdCompress, type Gzip } from 'node:zlib';
import type { Transform } from 'node:stream';

export type EncoderFactory = () => Transform;

import { isObject as isObj } from '../../go/json.js';

function gzip(config: Record<string, unknown>): EncoderFactory {
  const level = config.level ?? 0;
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 9) {
    throw new Error(`gzip: level must be between 1 and 9 (got ${JSON.stringify(level)})`);
  }
  const opts = { level: level === 0 ? 5 : level };
  return () => createGzip(opts) as Gzip;
}

// Caddy's zstd levels (klauspost's EncoderLevel) mapped to the reference library's.
const ZSTD_LEVELS: Record<string, number> = { fastest: 1, default: 3, better: 7, best: 11 };

function zstd(config: Record<string, unknown>): EncoderFactory {
  const name = config.level ?? 'default';
  const level = typeof name === 'string' ? ZSTD_LEVELS[name === '' ? 'default' : name] : undefined;
  if (level === undefined) throw new Error(`zstd: unknown level ${JSON.stringify(name)} (fastest, default, better, best)`);
  const opts = { params: { [constants.ZSTD_c_compressionLevel]: level } };
  return () => createZstdCompress(opts);
}

function br(config: Record<string, unknown>): EncoderFactory {
  const quality = config.quality ?? 4;
  if (typeof quality !== 'number' || !Number.isInteger(quality) || quality < 0 || quality > 11) {
    throw new Error(`br: quality must be between 0 and 11 (got ${JSON.stringify(quality)})`);
  }
  const opts = { params: { [constants.BROTLI_PARAM_QUALITY]: quality } };
  return () => createBrotliCompress(opts);
}

const modules: Record<string, (config: Record<string, unknown>) => EncoderFactory> = { gzip, zstd, br };

/** `encodings` → Content-Encoding name → factory. */
export function compileEncoders(encodings: unknown): Map<string, EncoderFactory> {
  const out = new Map<string, EncoderFactory>();
  if (encodings === undefined || encodings === null) return out;
  if (!isObj(encodings)) throw new Error('encodings: must be an object of encoder names to their options');
  for (const [name, cfg] of Object.entries(encodings)) {
    const make = modules[name];
    if (make === undefined) throw new Error(`loading encoder modules: unknown module: http.encoders.${name}`);
    if (cfg !== null && !isObj(cfg)) throw new Error(`encodings.${name}: must be an object`);
    out.set(name, make((cfg ?? {}) as Record<string, unknown>));
  }
  return out;
}
