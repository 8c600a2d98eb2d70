// Start-up: packages whose module bodies cost time at every start, evaluated
// in the bundle on first use instead of when the bundle loads.
//
// esbuild hoists every statically imported module into the bundle's top
// level, so `import * as ohm from 'ohm-js'` runs ohm's body (33 Unicode
// property regexps and its own built-in grammars, ~30-60 ms) in `tsweb
// version` too. A module reached through require() is wrapped by esbuild in
// an init function that runs on the first call instead. This plugin gives the
// importers in src/ a stand-in per listed package: each export is a Proxy
// that require()s the real package on its first use (a call, `new`, a
// property read) and forwards to it from then on. The source keeps its plain
// imports (vitest runs it unbundled, where laziness does not matter).
//
// Only for exports used at load/provision time, never per request: each use
// goes through the Proxy's trap.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');

/**
 * The deferred packages, each with why. Each was measured with `node
 * --cpu-prof` on the bundle and inside the SEA (NODE_OPTIONS applies there too).
 */
export const lazyModules = [
  // Caddyfile parsing only; `version`, a JSON config and the admin API never need it.
  'ohm-js',
  // The proxy's http transport (src/modules/reverse_proxy/undici_lib.ts):
  // ~30-100 ms with node:assert, which opens stderr to colour its messages.
  'undici/lib/dispatcher/pool.js',
  'undici/lib/dispatcher/client.js',
  'undici/lib/dispatcher/h2c-client.js',
  // Only its destination (SonicBoom) is used, by log writers; not by `version`, `adapt`, `validate`.
  'pino',
  // The CEL expression matcher (src/modules/expression): its module body builds
  // the standard function registry, ~60 ms, for configs that may have no `expression`.
  '@marcbachmann/cel-js',
];

const runtimeNs = 'lazy-module-runtime';
const shimNs = 'lazy-module';

/**
 * Forwards every use to the value `get()` returns, loading it on the first.
 * The importers only call, construct and read properties (key enumeration
 * would see the placeholder target, and is not forwarded: a Proxy may not
 * report its target's fixed `prototype` differently).
 */
const runtime = `
export function lazyValue(get, kind) {
  let v;
  const real = () => (v === undefined ? (v = get()) : v);
  const proxy = new Proxy(kind === 'function' ? function () {} : {}, {
    get: (_, k) => Reflect.get(real(), k),
    set: (_, k, value) => Reflect.set(real(), k, value),
    has: (_, k) => Reflect.has(real(), k),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
    apply: (_, self, args) => Reflect.apply(real(), self, args),
    construct: (_, args, newTarget) => Reflect.construct(real(), args, newTarget === proxy ? real() : newTarget),
  });
  return proxy;
}
`;

/** Whether Node (and so esbuild) reads `file` as CommonJS: its extension, else the nearest package.json's `type`. */
function isCommonJS(file) {
  if (file.endsWith('.cjs')) return true;
  if (file.endsWith('.mjs')) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) return JSON.parse(readFileSync(pkg, 'utf8')).type !== 'module';
    if (dirname(dir) === dir) return true;
  }
}

/**
 * The stand-in's source: one lazy export per export of what `require(spec)`
 * gives in the bundle, found by loading it here at build time. A CommonJS
 * file's default export is its `module.exports`, its named ones that
 * object's keys (esbuild's interop); an ES module's are its own.
 */
async function shimSource(spec, from) {
  const path = createRequire(resolve(from, 'package.json')).resolve(spec);
  const cjs = isCommonJS(path);
  const mod = cjs ? createRequire(path)(path) : await import(pathToFileURL(path).href);
  const entries = Object.entries(mod).filter(([name]) => name !== 'default' && /^[A-Za-z_$][\w$]*$/.test(name));
  if (cjs) entries.push(['default', mod]);
  else if ('default' in mod) entries.push(['default', mod.default]);
  const lines = [`import { lazyValue } from ${JSON.stringify(runtimeNs)};`, `const load = () => require(${JSON.stringify(spec)});`];
  for (const [name, value] of entries) {
    const pick = cjs && name === 'default' ? 'load()' : `load()[${JSON.stringify(name)}]`;
    const expr =
      typeof value === 'function' || (typeof value === 'object' && value !== null)
        ? `lazyValue(() => ${pick}, ${JSON.stringify(typeof value)})`
        : // Primitives (a version string) are constants: copied as they are.
          JSON.stringify(value);
    lines.push(name === 'default' ? `export default ${expr};` : `export const ${name} = ${expr};`);
  }
  return lines.join('\n');
}

/**
 * The esbuild plugin: imports of a listed package (`modules`, `lazyModules`
 * by default, resolved from `from`) from outside the stand-ins resolve to its stand-in.
 */
export function lazyModulesPlugin(modules = lazyModules, from = root) {
  const specs = modules;
  const filter = new RegExp(`^(${specs.map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
  return {
    name: 'lazy-modules',
    setup(b) {
      b.onResolve({ filter }, (a) => (a.namespace === shimNs ? undefined : { path: a.path, namespace: shimNs }));
      b.onResolve({ filter: new RegExp(`^${runtimeNs}$`) }, (a) => ({ path: a.path, namespace: runtimeNs }));
      b.onLoad({ filter: /.*/, namespace: runtimeNs }, () => ({ contents: runtime, loader: 'js' }));
      b.onLoad({ filter: /.*/, namespace: shimNs }, async (a) => ({
        contents: await shimSource(a.path, from),
        loader: 'js',
        resolveDir: from,
      }));
    },
  };
}
