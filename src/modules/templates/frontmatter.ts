/**
 * splitFrontMatter (Caddy's frontmatter.go): YAML between `---` (closed by
 * `---` or `...`), TOML between `+++`, JSON between `{` and `}` on the first
 * non-blank line; the rest is the body. YAML timestamps become time.Time
 * values, as yaml.v3 decodes them into an interface.
 */
import { parse as parseTOML } from 'smol-toml';
import { parse as parseYAML } from 'yaml';
import { GoTime } from '../../go/template/gotime.js';
import { GO_TYPE, isMap } from '../../go/template/values.js';

/** Caddy's parsedMarkdownDoc: {{$doc.Meta.title}}, {{$doc.Body}}. */
export class ParsedMarkdownDoc {
  readonly [GO_TYPE] = 'templates.parsedMarkdownDoc';
  constructor(
    public Meta: Record<string, unknown>,
    public Body: string,
  ) {}
}

function goValues(v: unknown): unknown {
  if (v instanceof Date) return GoTime.fromDate(v).UTC();
  if (Array.isArray(v)) return v.map(goValues);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = goValues(x);
    return out;
  }
  if (typeof v === 'bigint') return Number(v);
  return v;
}

function asMap(v: unknown, what: string): Record<string, unknown> {
  if (v === null || v === undefined) return {};
  if (!isMap(v)) throw new Error(`${what}: cannot unmarshal front matter into map[string]interface {}`);
  return goValues(v) as Record<string, unknown>;
}

const TYPES: ReadonlyArray<{ open: string; close: string[]; parse: (s: string) => Record<string, unknown> }> = [
  { open: '---', close: ['---', '...'], parse: (s) => asMap(parseYAML(s, { customTags: ['timestamp'] }), 'yaml') },
  { open: '+++', close: ['+++'], parse: (s) => asMap(parseTOML(s), 'toml') },
  { open: '{', close: ['}'], parse: (s) => asMap(JSON.parse('{' + s + '}'), 'json') },
];

const isSpace = (c: string): boolean => /^\s$/u.test(c);

/** extractFrontMatter: [meta or null, body]; throws on an unterminated or invalid front matter. */
export function extractFrontMatter(input: string): [Record<string, unknown> | null, string] {
  // Find the first non-blank line (the same index arithmetic as Caddy's, quirks included).
  let firstLineStart = 0;
  let firstLineEnd = 0;
  let lineEmpty = true;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c === '\n') {
      firstLineStart = firstLineEnd;
      if (firstLineStart > 0) firstLineStart++;
      firstLineEnd = i;
      if (!lineEmpty) break;
      continue;
    }
    lineEmpty = lineEmpty && isSpace(c);
  }
  const firstLine = input.slice(firstLineStart, firstLineEnd).trim();
  const type = TYPES.find((t) => t.open === firstLine);
  if (type === undefined) return [null, input];

  let fence = '';
  let endStart = -1;
  for (const f of type.close) {
    const index = input.indexOf('\n' + f, firstLineEnd);
    if (index >= 0) {
      endStart = index - firstLineEnd;
      fence = f;
      break;
    }
  }
  if (endStart < 0) throw new Error('unterminated front matter');
  endStart += firstLineEnd + 1;
  const meta = type.parse(input.slice(firstLineEnd, endStart));
  return [meta, input.slice(endStart + fence.length)];
}

export function splitFrontMatter(input: string): ParsedMarkdownDoc {
  const [meta, body] = extractFrontMatter(input);
  return new ParsedMarkdownDoc(meta ?? {}, body);
}
