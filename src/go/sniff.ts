/**
 * Go's http.DetectContentType (the WHATWG sniffing table, trimmed to the
 * signatures that decide text versus binary for encode): Caddy's encode
 * sets Content-Type from the first bytes when a response it may compress
 * has none, and its allow-list then decides on that type.
 */

const HTML_TAGS = ['<!DOCTYPE HTML', '<HTML', '<HEAD', '<SCRIPT', '<IFRAME', '<H1', '<DIV', '<FONT', '<TABLE', '<A', '<STYLE', '<TITLE', '<B', '<BODY', '<BR', '<P', '<!--'];

/** Exact prefixes (latin1 text of the bytes) → type. */
const PREFIXES: Array<[string, string]> = [
  ['%PDF-', 'application/pdf'],
  ['%!PS-Adobe-', 'application/postscript'],
  ['\xfe\xff', 'text/plain; charset=utf-16be'],
  ['\xff\xfe', 'text/plain; charset=utf-16le'],
  ['\xef\xbb\xbf', 'text/plain; charset=utf-8'],
  ['\x00\x00\x01\x00', 'image/x-icon'],
  ['\x00\x00\x02\x00', 'image/x-icon'],
  ['BM', 'image/bmp'],
  ['GIF87a', 'image/gif'],
  ['GIF89a', 'image/gif'],
  ['\x89PNG\x0d\x0a\x1a\x0a', 'image/png'],
  ['\xff\xd8\xff', 'image/jpeg'],
  ['\x1aE\xdf\xa3', 'video/webm'],
  ['OggS\x00', 'application/ogg'],
  ['ID3', 'audio/mpeg'],
  ['wOFF', 'font/woff'],
  ['wOF2', 'font/woff2'],
  ['\x1f\x8b\x08', 'application/x-gzip'],
  ['PK\x03\x04', 'application/zip'],
  ['Rar!\x1a\x07\x00', 'application/x-rar-compressed'],
  ['Rar!\x1a\x07\x01\x00', 'application/x-rar-compressed'],
  ['\x00asm', 'application/wasm'],
];

function isWS(c: number): boolean {
  return c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20;
}

/** Bytes no text file has (Go's isBinary table). */
function isBinaryByte(c: number): boolean {
  return c <= 0x08 || c === 0x0b || (c >= 0x0e && c <= 0x1a) || (c >= 0x1c && c <= 0x1f);
}

export function detectContentType(data: Uint8Array): string {
  const head = Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, 512)).toString('latin1');
  let start = 0;
  while (start < head.length && isWS(head.charCodeAt(start))) start++;
  const trimmed = head.slice(start);
  const upper = trimmed.slice(0, 16).toUpperCase();
  for (const tag of HTML_TAGS) {
    if (!upper.startsWith(tag)) continue;
    const next = trimmed.charCodeAt(tag.length);
    if (next === 0x20 || next === 0x3e) return 'text/html; charset=utf-8';
  }
  if (trimmed.startsWith('<?xml')) return 'text/xml; charset=utf-8';
  for (const [prefix, type] of PREFIXES) if (head.startsWith(prefix)) return type;
  if (head.startsWith('RIFF') && head.slice(8, 14) === 'WEBPVP') return 'image/webp';
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WAVE') return 'audio/wave';
  for (let i = 0; i < head.length; i++) if (isBinaryByte(head.charCodeAt(i))) return 'application/octet-stream';
  return 'text/plain; charset=utf-8';
}
