/**
 * Caddy's push parseLinkHeader: the resources of one Link field value
 * (`</a.css>; as=style, </b.js>; nopush`), each with its parameters; a
 * bare parameter's value is its name (`nopush` → "nopush"). Malformed
 * entries (no `<...>`) are skipped.
 */
export interface LinkResource {
  uri: string;
  params: Map<string, string>;
}

export function parseLinkHeader(header: string): LinkResource[] {
  const out: LinkResource[] = [];
  if (header === '') return out;
  for (const link of header.split(',')) {
    const li = link.indexOf('<');
    const ri = link.indexOf('>');
    if (li === -1 || ri === -1) continue;
    // Go slices link[li+1:ri]; a '>' before the '<' would panic there, so such an entry is skipped.
    if (ri < li) continue;
    const params = new Map<string, string>();
    for (const param of link.slice(ri + 1).trim().split(';')) {
      const p = param.trim();
      const eq = p.indexOf('=');
      const key = (eq === -1 ? p : p.slice(0, eq)).trim();
      if (key === '') continue;
      params.set(key, eq === -1 ? key : p.slice(eq + 1).trim());
    }
    out.push({ uri: link.slice(li + 1, ri).trim(), params });
  }
  return out;
}

/** A resource elsewhere: a scheme or a protocol-relative URI (never pushed). */
export function isRemoteResource(uri: string): boolean {
  return uri.startsWith('//') || uri.startsWith('http://') || uri.startsWith('https://');
}
