/**
 * State that is one per server whatever the number of workers
 * (ARCHITECTURE.md, "Every core"): this thread's view of the shared table,
 * and whether this thread is the primary worker.
 *
 * A process serving alone gets a private table on first use; a request
 * worker joins the supervisor's (src/runtime/supervisor_worker.ts) before it
 * loads any config.
 */
import { type SharedEntry, SharedTable, type SharedTableInit } from './table.js';

export { SharedEntry, SharedTable, type SharedTableInit } from './table.js';

/** Entries of a table: upstreams by dial address (dynamic ones too) and selection policies. */
export const TABLE_ENTRIES = 8192;

let table: SharedTable | null = null;
let primary = true;
let ordinals = new Map<string, number>();

/** This thread's table. */
export function sharedTable(): SharedTable {
  return (table ??= new SharedTable(SharedTable.create(TABLE_ENTRIES, 0, false)));
}

/** The entry for `key` in this thread's table (load time: hold on to it). */
export function sharedEntry(key: string): SharedEntry {
  return sharedTable().entry(key);
}

/**
 * A request worker joins its supervisor's table: `worker` is its number
 * (1..N), or 0 for the worker in the supervisor's own thread (`workers 1`),
 * which is primary and needs no column (it cannot die alone).
 */
export function joinSharedTable(init: SharedTableInit, worker: number): void {
  table = new SharedTable(init, worker);
  primary = worker <= 1;
}

/**
 * Whether this thread is the primary worker: true in a process serving
 * alone and in worker 1 of `workers N` (its replacement after a crash takes
 * the number, and the role). Work that must happen once per server, not
 * once per worker — active health probes — runs only where this is true;
 * the results go to the shared table, which every worker reads.
 */
export function isPrimaryWorker(): boolean {
  return primary;
}

/**
 * Called by the Runtime as a load starts provisioning: numbers the stateful
 * parts of one config (round_robin's position) in provision order, which is
 * the same in every worker, so they meet on the same entry.
 */
export function beginProvisioning(): void {
  ordinals = new Map();
}

/** `kind #n` for the n-th `kind` provisioned in the current load. */
export function provisionKey(kind: string): string {
  const n = ordinals.get(kind) ?? 0;
  ordinals.set(kind, n + 1);
  return `${kind} #${n}`;
}
