/**
 * Caddy's sugar for placeholders in CEL: `{a.b}` becomes `ph(req, "a.b")`
 * and `\{a.b}` stays a literal `{a.b}`. Same regular expressions as
 * celmatcher.go, so the same texts are rewritten (a placeholder directly
 * after another is left alone there too, since the match eats the
 * character before it). Positions in errors refer to the rewritten text,
 * which the error shows, as Caddy's do.
 */
const placeholderRE = /([^\\]|^)\{([a-zA-Z][\w.-]+)\}/g;
const escapedPlaceholderRE = /\\\{([a-zA-Z][\w.-]+)\}/g;

export function expandPlaceholders(expr: string): string {
  return expr.replace(placeholderRE, '$1ph(req, "$2")').replace(escapedPlaceholderRE, '{$1}');
}
