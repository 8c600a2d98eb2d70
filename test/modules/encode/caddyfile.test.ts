import { describe, expect, it } from 'vitest';
import { adaptError, handlers } from '../../adapt/handlers-harness.js';

describe('encode', () => {
  it.each([
    ['encode', { encodings: { zstd: {}, gzip: {} }, prefer: ['zstd', 'gzip'] }],
    ['encode gzip', { encodings: { gzip: {} }, prefer: ['gzip'] }],
    ['encode gzip zstd', { encodings: { gzip: {}, zstd: {} }, prefer: ['gzip', 'zstd'] }],
    ['encode br gzip', { encodings: { br: {}, gzip: {} }, prefer: ['br', 'gzip'] }],
    ['encode {\n\tgzip 5\n}', { encodings: { gzip: { level: 5 } }, prefer: ['gzip'] }],
    ['encode {\n\tbr 4\n}', { encodings: { br: { quality: 4 } }, prefer: ['br'] }],
    ['encode {\n\tzstd best\n}', { encodings: { zstd: { level: 'best' } }, prefer: ['zstd'] }],
    ['encode {\n\tzstd {\n\t\tlevel better\n\t\tchecksum false\n\t}\n}', { encodings: { zstd: { level: 'better', checksum: false } }, prefer: ['zstd'] }],
    // Block formats are recorded before first-line formats, as Caddy does.
    ['encode gzip {\n\tzstd\n}', { encodings: { zstd: {}, gzip: {} }, prefer: ['zstd', 'gzip'] }],
  ])('%j', (src, cfg) => {
    expect(handlers(src)).toEqual([{ handler: 'encode', ...cfg }]);
  });

  // From Caddy's encode_options.caddyfiletest (caddyfile_adapt tests), Apache-2.0.
  it('all the options', () => {
    const out = handlers(`encode gzip zstd {
	minimum_length 256
	match {
		status 2xx 4xx 500
		header Content-Type text/*
		header Content-Type application/json*
	}
}
encode {
	zstd {
		disable_checksum
	}
	gzip 5
}`);
    expect(out).toEqual([
      {
        handler: 'encode',
        encodings: { gzip: {}, zstd: {} },
        prefer: ['gzip', 'zstd'],
        minimum_length: 256,
        match: { status_code: [2, 4, 500], headers: { 'Content-Type': ['text/*', 'application/json*'] } },
      },
      { handler: 'encode', encodings: { zstd: { checksum: false }, gzip: { level: 5 } }, prefer: ['zstd', 'gzip'] },
    ]);
  });

  it.each([
    ['encode gzip 4', "finding encoder module '': module not registered: http.encoders.4"],
    ['encode {\n\tlzma\n}', "getting module named 'http.encoders.lzma': module not registered"],
    ['encode {\n\tminimum_length\n}', 'Wrong argument count'],
    ['encode {\n\tminimum_length big\n}', 'strconv.Atoi: parsing "big": invalid syntax'],
    ['encode {\n\tgzip fast\n}', 'strconv.Atoi: parsing "fast"'],
    ['encode {\n\tzstd ultra\n}', "unexpected compression level, use one of 'fastest', 'better', 'best', 'default'"],
    ['encode {\n\tzstd {\n\t\tlevel best\n\t\tlevel fastest\n\t}\n}', 'compression level already specified'],
    ['encode {\n\tzstd {\n\t\tchecksum maybe\n\t}\n}', 'parsing checksum: invalid boolean value "maybe"'],
    ['encode {\n\tzstd {\n\t\twindow 1\n\t}\n}', "unknown subdirective 'window'"],
    ['encode {\n\tbr 12\n}', 'brotli quality must be between 0 and 11'],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});
