/**
 * The HTML directory listing: one self-contained page (inline CSS, no
 * scripts, no external requests) with a breadcrumb, a summary, and a table
 * of names, sizes and modification times whose headers sort the listing
 * through ?sort=&order= like Caddy's template does.
 */
import type { Entry } from './listing.js';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
/** html/template-style escaping for text and attribute values. */
export function escapeHTML(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]!);
}

/** go-humanize's IBytes: "33 B", "2.0 KiB", "1.5 MiB" (base 1024, one decimal under 10). */
export function humanSize(n: number): string {
  if (n < 10) return `${n} B`;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  const e = Math.min(Math.floor(Math.log(n) / Math.log(1024)), units.length - 1);
  const val = Math.floor((n / 1024 ** e) * 10 + 0.5) / 10;
  return `${val < 10 ? val.toFixed(1) : val.toFixed(0)} ${units[e]}`;
}

export interface Page {
  /** The request path of the directory (decoded, cleaned, with a trailing slash). */
  path: string;
  items: readonly Entry[];
  sort: string;
  order: string;
  canGoUp: boolean;
  numDirs: number;
  numFiles: number;
}

/** Caddy's Breadcrumbs: each path element with a relative link back to it. */
function breadcrumbs(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  const parts = trimmed.split('/');
  return parts
    .map((p, i) => {
      const text = i === 0 && p === '' ? '/' : p;
      const link = '../'.repeat(parts.length - i - 1);
      return `<a href="${escapeHTML(link === '' ? './' : link)}">${escapeHTML(text)}</a>${i === 0 ? '' : '/'}`;
    })
    .join('');
}

function header(page: Page, key: string, label: string): string {
  // Clicking the active column flips the order; another column starts ascending.
  const active = page.sort === key || (key === 'name' && page.sort === 'namedirfirst');
  const order = active && page.order !== 'desc' ? 'desc' : 'asc';
  const arrow = active ? (page.order === 'desc' ? ' ▾' : ' ▴') : '';
  return `<a href="?sort=${key}&amp;order=${order}">${label}${arrow}</a>`;
}

const plural = (n: number, one: string, many: string) => `<b>${n}</b> ${n === 1 ? one : many}`;

export function renderListing(page: Page): string {
  const rows: string[] = [];
  if (page.canGoUp) {
    rows.push('<tr><td><a href="../" class="up">⬑ Go up</a></td><td class="size">—</td><td class="time">—</td></tr>');
  }
  for (const it of page.items) {
    const cls = it.is_dir ? 'dir' : 'file';
    const link = it.is_symlink ? ' <span class="link" title="symbolic link">↪</span>' : '';
    const target = it.symlink_path ? ` <span class="target">→ ${escapeHTML(it.symlink_path)}</span>` : '';
    const size = it.is_dir ? '—' : escapeHTML(humanSize(it.size));
    const time = it.mod_time.replace(/\.\d+Z$/, 'Z');
    rows.push(
      `<tr class="${cls}"><td><a href="${escapeHTML(it.url)}">${escapeHTML(it.name)}</a>${link}${target}</td>` +
        `<td class="size" data-bytes="${it.size}">${size}</td>` +
        `<td class="time"><time datetime="${time}">${time.replace('T', ' ').replace('Z', ' UTC')}</time></td></tr>`,
    );
  }
  const title = page.path === '/' ? '/' : (page.path.replace(/\/$/, '').split('/').pop() ?? '/');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHTML(title)}</title>
<style>
:root { color-scheme: light dark; --fg: #1d1d1f; --muted: #6e6e73; --bg: #fff; --line: #e5e5ea; --link: #0060c7; }
@media (prefers-color-scheme: dark) { :root { --fg: #f2f2f7; --muted: #98989d; --bg: #1c1c1e; --line: #38383a; --link: #5eaaff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header, main { max-width: 64rem; margin: 0 auto; padding: 1rem 1.25rem; }
h1 { font-size: 1.4rem; font-weight: 600; margin: .5rem 0; word-break: break-all; }
h1 a { color: inherit; text-decoration: none; } h1 a:hover { text-decoration: underline; }
.summary { color: var(--muted); }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line); }
th a { color: var(--muted); text-decoration: none; font-weight: 600; }
td a { color: var(--link); text-decoration: none; word-break: break-all; } td a:hover { text-decoration: underline; }
tr.dir td:first-child a { font-weight: 600; }
.size, .time { white-space: nowrap; color: var(--muted); font-variant-numeric: tabular-nums; }
.size { text-align: right; }
.link, .target { color: var(--muted); }
@media (max-width: 600px) { .time { display: none; } }
</style>
</head>
<body>
<header>
<h1>${breadcrumbs(page.path)}</h1>
<p class="summary">${plural(page.numDirs, 'directory', 'directories')}, ${plural(page.numFiles, 'file', 'files')}</p>
</header>
<main>
<table>
<thead><tr><th>${header(page, 'name', 'Name')}</th><th class="size">${header(page, 'size', 'Size')}</th><th class="time">${header(page, 'time', 'Modified')}</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</main>
</body>
</html>
`;
}
