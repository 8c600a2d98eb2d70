/**
 * The line diff `caddy fmt --diff` prints: Caddy uses github.com/aryann/difflib,
 * an LCS diff that first strips the common head and tail, and for each changed
 * stretch lists removed lines before added ones. Reproduced here so the output
 * matches Caddy's line for line.
 */
export type DiffKind = 'common' | 'left' | 'right';
export interface DiffLine {
  kind: DiffKind;
  text: string;
}

export function diffLines(a: string[], b: string[]): DiffLine[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  for (let i = a.length - 1, j = b.length - 1; i > start && j > start && a[i] === b[j]; i--, j--) end++;

  const out: DiffLine[] = a.slice(0, start).map((text) => ({ kind: 'common' as const, text }));
  out.push(...lcsDiff(a.slice(start, a.length - end), b.slice(start, b.length - end)));
  for (const text of a.slice(a.length - end)) out.push({ kind: 'common', text });
  return out;
}

/**
 * Above this many LCS cells (a changed stretch of ~4,000 × 4,000 lines) the
 * exact table would take hundreds of megabytes (Caddy's would take gigabytes),
 * so the stretch is shown as removed-then-added instead.
 */
const MAX_LCS_CELLS = 16_000_000;

function lcsDiff(a: string[], b: string[]): DiffLine[] {
  if ((a.length + 1) * (b.length + 1) > MAX_LCS_CELLS) {
    return [...a.map((text) => ({ kind: 'left' as const, text })), ...b.map((text) => ({ kind: 'right' as const, text }))];
  }
  // m[i][j]: LCS length of the last i lines of a and the last j lines of b,
  // so the walk below can go front to back.
  const m: Uint32Array[] = [];
  for (let i = 0; i <= a.length; i++) m.push(new Uint32Array(b.length + 1));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      m[i]![j] = a[a.length - i] === b[b.length - j] ? m[i - 1]![j - 1]! + 1 : Math.max(m[i - 1]![j]!, m[i]![j - 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = a.length;
  let j = b.length;
  while (i > 0 || j > 0) {
    if (i > 0 && m[i]![j] === m[i - 1]![j]) {
      out.push({ kind: 'left', text: a[a.length - i]! });
      i--;
    } else if (j > 0 && m[i]![j] === m[i]![j - 1]) {
      out.push({ kind: 'right', text: b[b.length - j]! });
      j--;
    } else {
      out.push({ kind: 'common', text: a[a.length - i]! });
      i--;
      j--;
    }
  }
  return out;
}

/** Caddy's rendering: two spaces for common lines, `- ` removed, `+ ` added. */
export function renderDiff(lines: DiffLine[]): string {
  const prefix = { common: '  ', left: '- ', right: '+ ' } as const;
  return lines.map((l) => `${prefix[l.kind]}${l.text}\n`).join('');
}
