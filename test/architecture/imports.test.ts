/**
 * The import graph of src/, as ARCHITECTURE.md draws it:
 *
 *   cli, admin → runtime → apps → modules (runtime half) → core, log → go, net
 *   adapter (src/adapt + modules' caddyfile*.ts) → caddyfile, go, net
 *
 * with no cycles, the runtime (and the admin API) never reaching the adapter,
 * and node's ServerResponse known only to the listener layer and the admin
 * API's own server. Each rule fails with the
 * offending edges, so a broken layer is named, not guessed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const src = join(root, 'src');

interface Edge {
  to: string;
  typeOnly: boolean;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (e.endsWith('.ts') && !e.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const files = walk(src).map((f) => relative(root, f));

/** `import ... from './x.js'`, `import './x.js'`, `export ... from './x.js'`; type-only when every binding is a type. */
function importsOf(file: string): Edge[] {
  const text = readFileSync(join(root, file), 'utf8');
  const edges: Edge[] = [];
  const re = /^(import|export)\s+(type\s+)?([^'";]*?)\s*(?:from\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) {
    const spec = m[4]!;
    let target = join(dirname(file), spec);
    if (target.endsWith('.js')) target = target.slice(0, -3) + '.ts';
    if (!target.startsWith('src/')) continue;
    const clause = m[3] ?? '';
    // `import { type A, type B }` binds types only too.
    const names = clause.replace(/^\{|\}$/g, '').split(',').map((s) => s.trim()).filter(Boolean);
    const allTypes = clause.startsWith('{') && names.length > 0 && names.every((n) => n.startsWith('type '));
    edges.push({ to: target, typeOnly: m[2] !== undefined || allTypes });
  }
  return edges;
}

const graph = new Map(files.map((f) => [f, importsOf(f)]));

const isAdapterFile = (f: string) =>
  f.startsWith('src/adapt/') || f.startsWith('src/caddyfile/') || /^src\/modules\/[^/]+\/caddyfile[^/]*\.ts$/.test(f);
/** Where the two halves of a module meet, and the list of modules: composition, not runtime. */
const isJoin = (f: string) => f === 'src/modules/define.ts' || f === 'src/modules/index.ts' || /^src\/modules\/[^/]+\/index\.ts$/.test(f);
const isRuntimeFile = (f: string) =>
  !isAdapterFile(f) && !isJoin(f) && !f.startsWith('src/cli/') && !f.startsWith('src/conformance/') && f !== 'src/types.d.ts';

function layerOf(f: string): number {
  if (f.startsWith('src/go/') || f.startsWith('src/net/')) return 0;
  if (f.startsWith('src/core/') || f.startsWith('src/log/')) return 1;
  if (f.startsWith('src/modules/')) return 2;
  if (f.startsWith('src/tls/')) return 2;
  if (f.startsWith('src/apps/')) return 3;
  if (f.startsWith('src/runtime/')) return 4;
  // The control plane beside the CLI: src/admin is checked as runtime code (it
  // must not reach the adapter; the CLI hands it an adapter function).
  if (f.startsWith('src/admin/')) return 5;
  return 5;
}

describe('the import graph of src/', () => {
  it('has no cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 1 | 2>();
    // Iterative DFS over value imports (type-only imports vanish at run time).
    for (const start of files) {
      if (state.has(start)) continue;
      const stack: Array<[string, number]> = [[start, 0]];
      const path: string[] = [];
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const [node, i] = top;
        if (i === 0) {
          state.set(node, 1);
          path.push(node);
        }
        const edges = (graph.get(node) ?? []).filter((e) => !e.typeOnly);
        if (i < edges.length) {
          top[1]++;
          const next = edges[i]!.to;
          const s = state.get(next);
          if (s === 1) cycles.push([...path.slice(path.indexOf(next)), next].join(' → '));
          else if (s === undefined && graph.has(next)) stack.push([next, 0]);
        } else {
          state.set(node, 2);
          path.pop();
          stack.pop();
        }
      }
    }
    expect(cycles).toEqual([]);
  });

  it('never leads from the runtime to the adapter, not even through other files', () => {
    const bad: string[] = [];
    for (const f of files.filter(isRuntimeFile)) {
      const seen = new Set<string>([f]);
      const queue = [f];
      while (queue.length > 0) {
        const cur = queue.shift()!;
        for (const e of graph.get(cur) ?? []) {
          if (e.typeOnly || seen.has(e.to)) continue;
          if (isAdapterFile(e.to) || isJoin(e.to)) {
            bad.push(`${f} reaches ${e.to} (via ${cur})`);
            continue;
          }
          seen.add(e.to);
          queue.push(e.to);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('keeps the adapter to the Caddyfile, Go ports, addresses and (as types) configs', () => {
    const bad: string[] = [];
    for (const f of files.filter(isAdapterFile)) {
      for (const e of graph.get(f) ?? []) {
        if (e.typeOnly) continue;
        const ok = isAdapterFile(e.to) || e.to.startsWith('src/go/') || e.to.startsWith('src/net/') || e.to === 'caddyfile-grammar/caddyfile.ohm';
        if (!ok) bad.push(`${f} → ${e.to}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('imports downwards only: cli → runtime → apps → modules → core, log → go, net', () => {
    const bad: string[] = [];
    for (const f of files.filter(isRuntimeFile)) {
      for (const e of graph.get(f) ?? []) {
        if (!isRuntimeFile(e.to)) continue;
        if (layerOf(e.to) > layerOf(f)) bad.push(`${f} → ${e.to}`);
        // Modules stand side by side; one may use another's runtime helpers, never the apps'.
      }
    }
    expect(bad).toEqual([]);
  });

  it("touches node's ServerResponse only in the listener layer (and the admin API's own server)", () => {
    const listenerLayer = new Set(['src/apps/http/listeners.ts', 'src/apps/http/node_response.ts', 'src/apps/http/upgrade.ts']);
    // The admin endpoint is the control plane, served by node:http directly, never the data path.
    const ownServer = (f: string) => f.startsWith('src/admin/');
    const bad = files.filter((f) => !listenerLayer.has(f) && !ownServer(f) && /\bServerResponse\b/.test(readFileSync(join(root, f), 'utf8')));
    expect(bad).toEqual([]);
  });
});
