/**
 * The `markdown` template function. Caddy renders with goldmark: GFM
 * (tables, strikethrough, linkify, task lists), footnotes, automatic heading
 * IDs, raw HTML allowed. Here markdown-it (CommonMark, tables and
 * strikethrough built in, linkify-it) with markdown-it-footnote, and three
 * small rules so the HTML reads as goldmark's: heading ids as goldmark makes
 * them, task list checkboxes, and goldmark's footnote markup. Code blocks
 * are not syntax-highlighted (Caddy's chroma classes are not produced).
 */
import markdownit, { type MarkdownIt, type StateCore, type Token } from 'markdown-it';
import footnote from 'markdown-it-footnote';

/** goldmark's ids.Generate: ASCII letters and digits lower-cased, space/-/_ → '-', the rest dropped; duplicates get -1, -2. */
function headingIds(state: StateCore): void {
  const seen = new Set<string>();
  const tokens = state.tokens;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type !== 'heading_open') continue;
    const inline = tokens[i + 1];
    const text = (inline?.children ?? [])
      .filter((c) => c.type === 'text' || c.type === 'code_inline')
      .map((c) => c.content)
      .join('')
      .trim();
    let id = '';
    for (const ch of text) {
      if (ch.length !== 1 || ch.charCodeAt(0) > 0x7f) continue;
      if (/[A-Za-z0-9]/.test(ch)) id += ch.toLowerCase();
      else if (/\s/.test(ch) || ch === '-' || ch === '_') id += '-';
    }
    if (id === '') id = 'heading';
    let unique = id;
    for (let n = 1; seen.has(unique); n++) unique = `${id}-${n}`;
    seen.add(unique);
    t.attrSet('id', unique);
  }
}

/** GFM task list items: `[ ]` / `[x]` at the start of a list item's first paragraph. */
function taskLists(state: StateCore): void {
  const tokens = state.tokens;
  for (let i = 2; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type !== 'inline' || tokens[i - 1]!.type !== 'paragraph_open' || tokens[i - 2]!.type !== 'list_item_open') continue;
    const first = t.children?.[0];
    if (first === undefined || first.type !== 'text') continue;
    const m = /^\[([ xX])\](?=\s|$)\s?/.exec(first.content);
    if (m === null) continue;
    first.content = first.content.slice(m[0].length);
    const box = new state.Token('html_inline', '', 0);
    box.content = m[1] === ' ' ? '<input disabled="" type="checkbox"> ' : '<input checked="" disabled="" type="checkbox"> ';
    t.children!.unshift(box);
  }
}

function goldmarkFootnotes(md: MarkdownIt): void {
  const r = md.renderer.rules;
  const num = (tokens: readonly Token[], idx: number): number => (tokens[idx]!.meta as { id: number }).id + 1;
  r.footnote_ref = (tokens, idx) => {
    const n = num(tokens, idx);
    return `<sup id="fnref:${n}"><a href="#fn:${n}" class="footnote-ref" role="doc-noteref">${n}</a></sup>`;
  };
  r.footnote_block_open = () => '<div class="footnotes" role="doc-endnotes">\n<hr>\n<ol>\n';
  r.footnote_block_close = () => '</ol>\n</div>\n';
  r.footnote_open = (tokens, idx) => `<li id="fn:${num(tokens, idx)}">\n`;
  r.footnote_close = () => '</li>\n';
  r.footnote_anchor = (tokens, idx) => `&#160;<a href="#fnref:${num(tokens, idx)}" class="footnote-backref" role="doc-backlink">&#x21a9;&#xfe0e;</a>`;
}

let md: MarkdownIt | null = null;

function renderer(): MarkdownIt {
  if (md !== null) return md;
  md = markdownit({ html: true, linkify: true });
  // GFM's autolinks: www. names (as http://), URLs with a scheme, e-mail addresses; not bare domains.
  md.linkify.set({ fuzzyLink: false, fuzzyEmail: true });
  md.linkify.add('www.', {
    validate: (text: string, pos: number) => {
      const m = /^[a-z0-9-]+(\.[a-z0-9-]+)+(\/[^\s<]*)?/i.exec(text.slice(pos));
      // Trailing punctuation ends the sentence, not the link (GFM's rule).
      return m === null ? 0 : m[0].replace(/[?!.,:*_~]+$/, '').length;
    },
    normalize: (match: { url: string }) => {
      match.url = 'http://' + match.url;
    },
  });
  md.use(footnote);
  goldmarkFootnotes(md);
  // goldmark's strikethrough is <del>.
  md.renderer.rules.s_open = () => '<del>';
  md.renderer.rules.s_close = () => '</del>';
  md.core.ruler.push('goldmark_heading_ids', headingIds);
  md.core.ruler.push('gfm_task_lists', taskLists);
  return md;
}

export function renderMarkdown(input: string): string {
  return renderer().render(input);
}
