import type { Token } from './token.js';

/**
 * A configuration error with a position. `message` is what Caddy would say
 * (its golden error files match on substrings of it); `toString()` adds
 * `file:line:col`, the import chain and the offending line with a caret.
 */
export class CaddyfileError extends Error {
  constructor(
    readonly reason: string,
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly imports: string[] = [],
  ) {
    super(`${reason}, at ${file}:${line}:${col}${imports.length ? ` import chain ['${imports.join("','")}']` : ''}`);
    this.name = 'CaddyfileError';
  }

  static at(t: Token | undefined, reason: string, fallbackFile = 'Caddyfile'): CaddyfileError {
    if (!t) return new CaddyfileError(reason, fallbackFile, 0, 0);
    return new CaddyfileError(reason, t.file, t.line, t.col, t.imports);
  }

  /** Message plus the source line and a caret, for humans on a terminal. */
  pretty(): string {
    const src = sources.get(this.file);
    let out = this.message;
    if (src && this.line > 0) {
      const text = src.split('\n')[this.line - 1];
      if (text !== undefined) {
        const gutter = `${this.line} | `;
        const shown = text.replace(/\r$/, '');
        out += `\n${gutter}${shown}\n${' '.repeat(caretColumn(gutter + shown.slice(0, Math.max(0, this.col - 1))))}^`;
      }
    }
    return out;
  }
}

/**
 * Where the caret goes under `prefix` on a terminal: Caddyfiles are indented
 * with tabs, which a terminal expands to the next multiple of 8, so counting
 * characters would leave the caret short of the token.
 */
function caretColumn(prefix: string): number {
  let col = 0;
  for (const c of prefix) col = c === '\t' ? col + 8 - (col % 8) : col + 1;
  return col;
}

/** Source text by file name, so errors can show the offending line. */
export const sources = new Map<string, string>();
