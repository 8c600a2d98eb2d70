/**
 * The encoders `encode` can use (Caddy's http.encoders.* modules): gzip
 * (level 1–9, Caddy's default 5), zstd (level fastest/default/better/best,
 * as Caddy's klauspost encoder names them; Node 24's zlib has zstd) and br
 * (brotli quality 0–11; 4 by default, a speed suited to dynamic content).
 * Each config is checked once (config.ts); a factory makes one stream per response.
 */
import { constants, createBrotliCompress, createGzip, createZstdCompress, type Gzip } from 'node:zlib';
import type { Transform } from 'node:stream';
import type { Encoder } from './config.js';

export type EncoderFactory = () => Transform;

function factory(enc: Encoder): EncoderFactory {
  switch (enc.name) {
    case 'gzip': {
      const opts = { level: enc.level };
      return () => createGzip(opts) as Gzip;
    }
    case 'zstd': {
      const opts = { params: { [constants.ZSTD_c_compressionLevel]: enc.level } };
      return () => createZstdCompress(opts);
    }
    case 'br': {
      const opts = { params: { [constants.BROTLI_PARAM_QUALITY]: enc.quality } };
      return () => createBrotliCompress(opts);
    }
  }
}

/** Content-Encoding name → factory. */
export function compileEncoders(encoders: ReadonlyMap<string, Encoder>): Map<string, EncoderFactory> {
  const out = new Map<string, EncoderFactory>();
  for (const [name, enc] of encoders) out.set(name, factory(enc));
  return out;
}
