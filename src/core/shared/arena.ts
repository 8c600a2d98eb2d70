/**
 * Named blocks of memory that every request worker thread sees: one growable
 * SharedArrayBuffer (created by the supervisor, handed to each worker with
 * the shared table, or created on first use by a process serving alone).
 * A module asks for a block by name and size at load; the first worker to
 * ask carves it out (zeroed), the others get the same bytes. Blocks live as
 * long as the process: a reload asking for the same name and size gets the
 * state its predecessor left (rate_limit zones keep their counts, as the
 * caddy-ratelimit plugin keeps them across config changes).
 *
 * Only the size a block asks for is committed (grow); the rest of the
 * reservation is address space, and a block's pages cost memory only once
 * touched. A request the reservation cannot meet gets a private block (its
 * state is then per worker) and `shared: false`, so the caller can warn.
 *
 * Layout: Int32 [lock, used/8, count], then DIRECTORY entries of
 * [nameHashA, nameHashB, offset/8, bytes/8]; blocks from DATA_AT, 8-aligned.
 */
import { hash32a, hash32b } from './hash.js';

const DIRECTORY = 1024;
const ENTRY_INTS = 4;
const HEADER_INTS = 4;
const DATA_AT = (HEADER_INTS + DIRECTORY * ENTRY_INTS) * 4;
/** Address space reserved for every block of a process (tried in this order: virtual memory may be capped). */
const RESERVATIONS = [16 * 2 ** 30, 4 * 2 ** 30, 2 ** 30, 256 * 2 ** 20];

export interface ArenaBlock {
  buffer: SharedArrayBuffer | ArrayBuffer;
  /** Byte offset of the block in `buffer` (a multiple of 8). */
  offset: number;
  bytes: number;
  /** False when the arena had no room: the block is this thread's alone. */
  shared: boolean;
}

/** ES2024's growable SharedArrayBuffer (Node has it; the project's TypeScript lib predates it). */
interface GrowableBuffer extends SharedArrayBuffer {
  readonly growable: boolean;
  readonly maxByteLength: number;
  grow(bytes: number): void;
}
const Growable = SharedArrayBuffer as unknown as new (bytes: number, opts?: { maxByteLength: number }) => GrowableBuffer;

let arena: GrowableBuffer | null = null;

/** A new, empty arena (the supervisor's, or a lone process's). */
export function createArena(): SharedArrayBuffer {
  for (const max of RESERVATIONS) {
    try {
      return new Growable(DATA_AT, { maxByteLength: max });
    } catch {
      // a smaller reservation may fit
    }
  }
  return new Growable(DATA_AT);
}

/** A request worker joins its supervisor's arena before loading any config. */
export function joinArena(buffer: SharedArrayBuffer): void {
  arena = buffer as GrowableBuffer;
}

/** This thread's arena. */
export function sharedArena(): SharedArrayBuffer {
  return (arena ??= createArena() as GrowableBuffer);
}

function lock(ints: Int32Array): void {
  // Held for a few microseconds at load, never per request.
  while (Atomics.compareExchange(ints, 0, 0, 1) !== 0) Atomics.wait(ints, 0, 1, 1);
}

function unlock(ints: Int32Array): void {
  Atomics.store(ints, 0, 0);
  Atomics.notify(ints, 0);
}

/** The block called `name` of `bytes` bytes, carved out zeroed by whichever worker asks first. */
export function arenaBlock(name: string, bytes: number): ArenaBlock {
  const size = Math.ceil(bytes / 8) * 8;
  const buf = sharedArena() as GrowableBuffer;
  const ints = new Int32Array(buf, 0, DATA_AT / 4);
  const a = hash32a(name);
  const b = hash32b(name);
  lock(ints);
  try {
    const count = ints[2]!;
    for (let i = 0; i < count; i++) {
      const e = HEADER_INTS + i * ENTRY_INTS;
      if (ints[e] === a && ints[e + 1] === b && ints[e + 3]! * 8 === size) return { buffer: buf, offset: ints[e + 2]! * 8, bytes: size, shared: true };
    }
    const offset = DATA_AT + ints[1]! * 8;
    const end = offset + size;
    if (count < DIRECTORY && buf.growable && end <= buf.maxByteLength && end / 8 < 2 ** 31) {
      if (end > buf.byteLength) buf.grow(end);
      const e = HEADER_INTS + count * ENTRY_INTS;
      ints[e] = a;
      ints[e + 1] = b;
      ints[e + 2] = offset / 8;
      ints[e + 3] = size / 8;
      ints[1] = (end - DATA_AT) / 8;
      Atomics.store(ints, 2, count + 1);
      return { buffer: buf, offset, bytes: size, shared: true };
    }
  } finally {
    unlock(ints);
  }
  return { buffer: new ArrayBuffer(size), offset: 0, bytes: size, shared: false };
}
