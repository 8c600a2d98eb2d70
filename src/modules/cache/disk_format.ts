/**
 * The disk store's file format, tsweb's own (not badger's nor nuts'): the
 * body first, then the stored head as JSON, then a fixed footer (the head's
 * length and a magic). The body comes first so a large one can be streamed
 * into the file as it arrives and the head appended once the response is
 * complete; a file cut short (a crash before the rename cannot leave one
 * under its final name, but a disk can) has no valid footer and is refused.
 */
import type { FileHandle } from 'node:fs/promises';
import { readSync } from 'node:fs';
import type { HeaderValue } from '../../core/response.js';
import type { Timing } from './freshness.js';

const MAGIC = Buffer.from('TSWCACH1', 'latin1');
export const FOOTER_BYTES = 4 + MAGIC.length;

/** What a file holds besides the body. */
export interface Meta {
  key: string;
  status: number;
  headers: Record<string, HeaderValue>;
  vary: Array<[string, string]>;
  timing: Timing;
  dropAt: number;
  bodyLength: number;
}

export class CorruptFile extends Error {}

/** The head and footer that follow a body of `meta.bodyLength` bytes. */
export function encodeTail(meta: Meta): Buffer {
  const head = Buffer.from(JSON.stringify(meta), 'utf8');
  const foot = Buffer.alloc(FOOTER_BYTES);
  foot.writeUInt32LE(head.length, 0);
  MAGIC.copy(foot, 4);
  return Buffer.concat([head, foot]);
}

function headLength(foot: Buffer, size: number): number {
  if (!foot.subarray(4).equals(MAGIC)) throw new CorruptFile('no footer');
  const n = foot.readUInt32LE(0);
  if (n === 0 || n > size - FOOTER_BYTES) throw new CorruptFile('head length out of bounds');
  return n;
}

function decodeHead(buf: Buffer, size: number, n: number): Meta {
  let m: Meta;
  try {
    m = JSON.parse(buf.toString('utf8')) as Meta;
  } catch {
    throw new CorruptFile('head is not JSON');
  }
  if (typeof m !== 'object' || m === null || typeof m.key !== 'string' || typeof m.status !== 'number' || typeof m.dropAt !== 'number') {
    throw new CorruptFile('head lacks fields');
  }
  if (m.bodyLength !== size - FOOTER_BYTES - n) throw new CorruptFile(`body is ${size - FOOTER_BYTES - n} bytes, head says ${m.bodyLength}`);
  return m;
}

export async function readMeta(fh: FileHandle): Promise<Meta> {
  const { size } = await fh.stat();
  if (size < FOOTER_BYTES) throw new CorruptFile('shorter than a footer');
  const foot = Buffer.alloc(FOOTER_BYTES);
  await fh.read(foot, 0, FOOTER_BYTES, size - FOOTER_BYTES);
  const n = headLength(foot, size);
  const head = Buffer.alloc(n);
  const { bytesRead } = await fh.read(head, 0, n, size - FOOTER_BYTES - n);
  if (bytesRead !== n) throw new CorruptFile('short read');
  return decodeHead(head, size, n);
}

/** The same, synchronously (the admin API's listing runs in a sync path). */
export function readMetaSync(fd: number, size: number): Meta {
  if (size < FOOTER_BYTES) throw new CorruptFile('shorter than a footer');
  const foot = Buffer.alloc(FOOTER_BYTES);
  readSync(fd, foot, 0, FOOTER_BYTES, size - FOOTER_BYTES);
  const n = headLength(foot, size);
  const head = Buffer.alloc(n);
  if (readSync(fd, head, 0, n, size - FOOTER_BYTES - n) !== n) throw new CorruptFile('short read');
  return decodeHead(head, size, n);
}
