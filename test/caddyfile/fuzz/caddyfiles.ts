/**
 * Inputs and checks for fuzzing the Caddyfile front end (lexer, structure,
 * imports, adapter, fmt): grammar-aware generated Caddyfiles, mutations of
 * real ones, and the properties every input must keep. Shared by the suite's
 * property test (test/caddyfile/fuzz.test.ts) and the differential script
 * against the real Caddy (scripts/fuzz.mjs).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
// A composition root of its own: scripts/fuzz.mjs bundles this file without the tests' setup.
import '../../../src/modules/index.js';
import { adaptCaddyfile } from '../../../src/adapt/index.js';
import type { JSONObject } from '../../../src/adapt/types.js';
import { CaddyfileError } from '../../../src/caddyfile/errors.js';
import { formatCaddyfile } from '../../../src/caddyfile/formatter.js';
import { validateConfig, ConfigValidationError } from '../../../src/runtime/validate.js';

// ---------------------------------------------------------------- generation

const addresses = ['a.com', 'b.example.org', ':8080', 'http://x.test', 'localhost', '*.ex.com', 'https://y.test:8443', 'c.com/api*'];
const words = ['x', 'hello', '/p', '/a/*', '200', '404', '{host}', '{path}', '{http.request.uri}', 'X-Test', '*.js', 'gzip', 'zstd', 'off', 'on', 'a:b'];
const quoted = ['"hello world"', '"{{.Host}}"', '"a\\"b"', '`raw {x}`', '""'];

/** A generated line: its indentation is chosen by the layout, not here. */
type Line = { depth: number; text: string };

const word = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...words) }, { weight: 1, arbitrary: fc.constantFrom(...quoted) });
const args = (max: number) => fc.array(word, { maxLength: max }).map((a) => a.join(' '));

/** Directives with the shapes Caddy's adapter knows; `depth` is the block depth of the directive line. */
const leafDirective: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom('respond', 'respond @m'), args(1)).map(([d, a]) => `${d} ${a}`.trimEnd()),
  fc.tuple(fc.constantFrom('/a', '/b/*', '@m'), fc.constantFrom('/c', 'https://z.test{uri}')).map(([f, t]) => `redir ${f} ${t}`),
  fc.tuple(fc.constantFrom('X-A', '-Server', 'Cache-Control'), args(2)).map(([h, v]) => `header ${h} ${v}`.trimEnd()),
  fc.constantFrom('encode gzip', 'encode zstd gzip', 'file_server', 'file_server browse', 'root * /srv', 'reverse_proxy localhost:9000', 'templates', 'log', 'abort', 'error 500', 'rewrite * /index.html', 'uri strip_prefix /api', 'vars a b', 'basicauth', 'tls internal', 'skip_log /x', 'import snip', 'import snip a b', 'invalid_directive x'),
);

const blockDirective = fc.constantFrom('route', 'handle', 'handle /x/*', 'handle_path /p/*', 'handle_errors', 'reverse_proxy localhost:9000', 'templates', 'header', '@m', 'encode', 'log', 'not_a_directive');
const subLines = fc.constantFrom('path /x', 'not {', 'header X-A b', 'lb_policy first', '{{x}}', 'between "{{" "}}"', 'gzip', 'output stdout', 'method GET', 'host a.com', 'match {');

/** The lines of a block body, blocks nested up to `maxDepth` (the arbitraries are built level by level). */
function bodyLines(maxDepth: number): fc.Arbitrary<Line[]> {
  const leaf = leafDirective.map((text): Line[] => [{ depth: 0, text }]);
  let level: fc.Arbitrary<Line[]> = fc.array(fc.oneof(leaf, subLines.map((text): Line[] => [{ depth: 0, text }])), { maxLength: 3 }).map((p) => closeOpen(p.flat()));
  for (let d = 0; d < maxDepth; d++) {
    const inner = level;
    const block = fc.tuple(blockDirective, inner).map(([dir, lines]): Line[] => [
      { depth: 0, text: `${dir} {` },
      ...lines.map((l) => ({ depth: l.depth + 1, text: l.text })),
      { depth: 0, text: '}' },
    ]);
    level = fc.array(fc.oneof({ weight: 3, arbitrary: leaf }, { weight: 1, arbitrary: block }), { maxLength: 4 }).map((p) => p.flat());
  }
  return level;
}

/** Adds a `}` for every sub-line that opened a block without one. */
function closeOpen(lines: Line[]): Line[] {
  const out: Line[] = [];
  for (const l of lines) {
    out.push(l);
    if (l.text === 'not {' || l.text === 'match {') out.push({ depth: l.depth + 1, text: 'path /y' }, { depth: l.depth, text: '}' });
  }
  return out;
}

const siteKeys = fc
  .tuple(fc.uniqueArray(fc.constantFrom(...addresses), { minLength: 1, maxLength: 3 }), fc.constantFrom(' ', ', ', ',\n'))
  .map(([a, sep]) => a.join(sep));

const globalOptions = fc.array(fc.constantFrom('debug', 'admin off', 'http_port 8080', 'auto_https off', 'email a@b.c', 'order templates before respond', 'servers {\n\tprotocols h1\n}', 'log {\n\tlevel INFO\n}'), { maxLength: 3 });

/** How blocks follow one another: Caddy also accepts `} b {` and stray empty key-less blocks. */
const joiner = fc.constantFrom('\n', '\n\n', '\n\n\n', ' ', '\n{\n}\n');

/** Layout noise that fmt normalizes: indentation, blank lines, spacing, comments. */
const layout = fc.record({
  indent: fc.constantFrom('\t', '  ', '    ', '', ' \t'),
  blankLines: fc.nat({ max: 3 }),
  extraSpace: fc.boolean(),
  comments: fc.boolean(),
  crlf: fc.boolean(),
  braceOwnLine: fc.boolean(),
});

type Layout = { indent: string; blankLines: number; extraSpace: boolean; comments: boolean; crlf: boolean; braceOwnLine: boolean };

function render(lines: Line[], l: Layout, seed: number): string {
  let out = '';
  let k = seed;
  for (const line of lines) {
    k = (k * 1103515245 + 12345) & 0x7fffffff;
    let text = line.text;
    if (l.extraSpace && k % 3 === 0) text = text.replace(/ /g, '  ') + ' ';
    out += `${l.indent.repeat(line.depth)}${text}\n`;
    if (l.blankLines > 0 && k % 5 === 0) out += '\n'.repeat(l.blankLines);
    if (l.comments && k % 7 === 0) out += `${l.indent.repeat(line.depth)}# comment ${k % 100}\n`;
  }
  return out;
}

/** A site: braced, or (`braceless`) the address line and its directives. */
const site = fc.tuple(siteKeys, bodyLines(3), layout, fc.nat(), fc.boolean()).map(([keys, body, l, seed, braceless]) => {
  body = [{ depth: 0, text: '@m path /m/*' }, ...body];
  const alone = `${keys}\n${render(body, l, seed)}`;
  const open = l.braceOwnLine && !keys.includes(',\n') ? `${keys}\n{\n` : `${keys} {\n`;
  const text = open + render(body.map((b) => ({ depth: b.depth + 1, text: b.text })), l, seed) + '}';
  return { braceless: braceless ? alone : undefined, braced: l.crlf ? text.replace(/\n/g, '\r\n') : text };
});

/**
 * Grammar-aware Caddyfiles: global options, snippets, sites (braced or not)
 * with nested blocks, in layouts fmt has work to do on. Mostly valid; some
 * are refused by Caddy too (unknown directives, a braceless site that is not
 * the only one), which is fine: the properties hold for errors as well.
 */
export const generatedCaddyfile: fc.Arbitrary<string> = fc
  .tuple(globalOptions, fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), fc.array(site, { minLength: 1, maxLength: 3 }), fc.array(joiner, { minLength: 3, maxLength: 3 }))
  .map(([opts, snippet, sites, joins]) => {
    const parts: string[] = [];
    if (opts.length) parts.push(`{\n${opts.map((o) => `\t${o.replace(/\n/g, '\n\t')}`).join('\n')}\n}`);
    if (snippet) parts.push('(snip) {\n\theader X-Snip {args[0]}\n\trespond {args[:]}\n}');
    // Caddy allows a site without braces only when it is the only one.
    if (sites.length === 1 && !opts.length && sites[0]!.braceless) parts.push(sites[0]!.braceless);
    else parts.push(...sites.map((s) => s.braced));
    let out = parts[0]!;
    for (let i = 1; i < parts.length; i++) {
      // blocks may only follow `}` on its line when the previous block had braces
      const j = joins[i % joins.length]!;
      out += (j === ' ' && !parts[i - 1]!.endsWith('}')) || (j === ' ' && parts[i]!.includes('\n') && !/^[^\n]* \{\n/.test(parts[i]!)) ? '\n' : j;
      out += parts[i];
    }
    return `${out}\n`;
  });

// ---------------------------------------------------------------- mutation

/** Small Caddyfiles in the repo (tests' fixtures and the example), plus inline ones if those have moved. */
export function seedCaddyfiles(root: string): string[] {
  const seeds: string[] = [];
  const dirs: [string, RegExp][] = [
    ['test/fixtures/caddyfiles', /\.caddy$/],
    ['e2e/fixtures/differential', /\.Caddyfile$/],
    ['test/caddyfile/fixtures', /\.caddyfile$/i],
  ];
  for (const [dir, re] of dirs) {
    try {
      for (const f of readdirSync(join(root, dir)).sort()) if (re.test(f)) seeds.push(readFileSync(join(root, dir, f), 'utf8'));
    } catch {
      // the directory may have moved; the inline seeds below still cover the grammar
    }
  }
  try {
    seeds.push(readFileSync(join(root, 'Caddyfile.example'), 'utf8'));
  } catch {
    // optional
  }
  seeds.push(
    '{\n\tdebug\n}\n\n(snip) {\n\theader X-A {args[0]}\n}\n\na.com, b.com {\n\timport snip one\n\troute /x/* {\n\t\trespond "hi" 200\n\t}\n\t@m {\n\t\tnot path /y\n\t}\n\trespond @m <<EOF\n\t\tbody\n\t\tEOF\n}\n',
    'localhost\nencode gzip\nfile_server browse\ntemplates {\n\tbetween {{ }}\n}\n',
    ':8080 {\n\treverse_proxy localhost:9000 {\n\t\tlb_policy first\n\t\theader_up Host {host}\n\t}\n\thandle_errors {\n\t\trespond "{err.status_code}"\n\t}\n}\n',
  );
  return seeds;
}

const specials = ['{', '}', '"', '`', '\\', '#', '<<', '\n', '\t', ' ', ',', '(', ')', '&', '@', '{$X}', '{{', '}}', '\r', 'import snip', '{args[0]}'];

type Mutation =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'dupLine'; line: number; times: number }
  | { kind: 'dropLine'; line: number }
  | { kind: 'swapLines'; a: number; b: number }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...specials), fc.string({ maxLength: 3 })) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('dupLine' as const), line: fc.nat(), times: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('dropLine' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function applyMutation(s: string, m: Mutation): string {
  const n = s.length + 1;
  switch (m.kind) {
    case 'insert': {
      const at = m.at % n;
      return s.slice(0, at) + m.text + s.slice(at);
    }
    case 'delete': {
      const at = m.at % n;
      return s.slice(0, at) + s.slice(at + m.len);
    }
    case 'truncate':
      return s.slice(0, m.at % n);
    default: {
      const lines = s.split('\n');
      const i = (x: number) => x % lines.length;
      if (m.kind === 'dupLine') lines.splice(i(m.line), 0, ...Array<string>(m.times).fill(lines[i(m.line)]!));
      else if (m.kind === 'dropLine') lines.splice(i(m.line), 1);
      else {
        const [a, b] = [i(m.a), i(m.b)];
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      }
      return lines.join('\n');
    }
  }
}

/** A seed with a few mutations applied. */
export function mutatedCaddyfile(seeds: string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([s, ms]) => ms.reduce(applyMutation, s));
}

// ---------------------------------------------------------------- checks

export type Outcome = { ok: true; config: JSONObject } | { ok: false; error: string };

/** Errors the language raises on its own (or a stack overflow some code caught and wrapped) are bugs. */
export function isInternalError(e: unknown): boolean {
  if (!(e instanceof Error)) return true;
  if (e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError || e instanceof SyntaxError) return true;
  return /Maximum call stack|Invalid string length|out of memory|is not a function|Cannot read properties/.test(e.message);
}

export class InternalError extends Error {
  override name = 'InternalError';
}

/** Adapts like `tsweb adapt` (no env); an internal error is rethrown as InternalError. */
export function adaptOutcome(input: string): Outcome {
  try {
    return { ok: true, config: adaptCaddyfile(input, 'Caddyfile', { env: {} }).config };
  } catch (e) {
    if (isInternalError(e)) throw new InternalError(`adapt: ${(e as Error).stack ?? String(e)}`);
    return { ok: false, error: e instanceof CaddyfileError ? e.reason : (e as Error).message };
  }
}

export interface CheckResult {
  /** Property violations; empty when the input is fine. */
  problems: string[];
  adapted: Outcome;
  formatted: string;
  ms: { adapt: number; validate: number; fmt: number };
}

/** Time bound per step for inputs of a few KB (a quadratic step takes seconds on them). */
export const STEP_BOUND_MS = 2000;

/**
 * Runs the front end on one input and checks: no internal error in adapt,
 * validate or fmt; each finishes within STEP_BOUND_MS; fmt is idempotent;
 * and, when `checkMeaning` and the input adapts, fmt does not change what it
 * adapts to. (On a file that does not adapt, Caddy's fmt is no guide: it
 * drops a trailing `{`, for one, which can make a broken file valid.)
 */
export function checkInput(input: string, checkMeaning: boolean): CheckResult {
  const problems: string[] = [];
  const ms = { adapt: 0, validate: 0, fmt: 0 };
  let t = performance.now();
  let adapted: Outcome;
  try {
    adapted = adaptOutcome(input);
  } catch (e) {
    return { problems: [(e as Error).message], adapted: { ok: false, error: 'internal' }, formatted: '', ms };
  }
  ms.adapt = performance.now() - t;
  if (adapted.ok) {
    t = performance.now();
    try {
      validateConfig(adapted.config);
    } catch (e) {
      if (!(e instanceof ConfigValidationError)) problems.push(`validate: internal error: ${(e as Error).stack}`);
    }
    ms.validate = performance.now() - t;
  }
  t = performance.now();
  let formatted = '';
  try {
    formatted = formatCaddyfile(input);
    const again = formatCaddyfile(formatted);
    if (again !== formatted) problems.push(`fmt is not idempotent:\n--- fmt(input)\n${formatted}--- fmt(fmt(input))\n${again}`);
  } catch (e) {
    problems.push(`fmt: internal error: ${(e as Error).stack}`);
  }
  ms.fmt = performance.now() - t;
  for (const [step, took] of Object.entries(ms)) if (took > STEP_BOUND_MS) problems.push(`${step} took ${took.toFixed(0)} ms`);
  if (checkMeaning && adapted.ok && problems.length === 0) {
    let after: Outcome;
    try {
      after = adaptOutcome(formatted);
    } catch (e) {
      problems.push(`adapt of fmt output: ${(e as Error).message}`);
      return { problems, adapted, formatted, ms };
    }
    if (!after.ok || JSON.stringify(adapted.config) !== JSON.stringify(after.config)) {
      problems.push(`fmt changes what the file adapts to:\n--- fmt(input)\n${formatted}--- before: ${describe(adapted)}\n--- after: ${describe(after)}`);
    }
  }
  return { problems, adapted, formatted, ms };
}

function describe(o: Outcome): string {
  return o.ok ? JSON.stringify(o.config).slice(0, 400) : `error: ${o.error}`;
}

/**
 * Whether Caddy's own formatter is known to keep this input's meaning, judged
 * from its words: no backticks, backslashes, heredocs, `#` inside a word,
 * braces glued to words other than placeholders, `{{`/`}}` words, quotes
 * inside words or `<` words. Caddy's fmt rewrites all of those (see the
 * header of src/caddyfile/formatter.ts); outside them tsweb's fmt must not
 * change what a file adapts to.
 */
export function caddyFmtKeepsMeaning(input: string): boolean {
  if (/[`\\<\r]/.test(input)) return false;
  for (const line of input.split('\n')) {
    const code = line.replace(/^\s*#.*$/, '').replace(/\s#.*$/, '');
    for (const w of code.split(/[ \t]+/)) {
      if (w === '' || w === '{' || w === '}') continue;
      if (/^"[^"]*"$/.test(w)) continue;
      if (/["#]/.test(w)) return false;
      if (/[{}]/.test(w) && !/^([^{}]*\{[$a-z_.0-9[\]:-]*\})*[^{}]*$/.test(w)) return false;
    }
    if (/"[^"]*\s[^"]*"/.test(code) && /"[^"]*[{}][^"]*"/.test(code)) return false;
  }
  return true;
}

/** For scripts/fuzz.mjs, which loads this module as a bundle. */
export { fc };
