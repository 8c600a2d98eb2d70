/**
 * The Go values a template sees for the request: http.Request (.Req,
 * .OriginalReq), url.URL, http.Header and url.Values, with the fields and
 * methods Caddy's templates use (.Req.URL.Path, .Req.Header.Get "X",
 * .Req.URL.Query.Get "q" ...). Built once per templated response.
 */
import { canonicalKey } from '../../core/header_ops.js';
import type { Ctx } from '../../core/types.js';
import { GO_MAP, GO_TYPE } from '../../go/template/values.js';
import { escapedPath, parseQuery, queryEscape } from '../../go/url.js';

/** http.Header: a map of canonical names to values, with Get/Values/Has. */
export class GoHeader {
  readonly [GO_MAP] = true;
  readonly [GO_TYPE] = 'http.Header';
  [name: string]: unknown;

  Get(name: string): string {
    const v = this[canonicalKey(String(name))];
    return Array.isArray(v) && v.length > 0 ? String(v[0]) : '';
  }
  Values(name: string): string[] {
    const v = this[canonicalKey(String(name))];
    return Array.isArray(v) ? (v as string[]) : [];
  }
  Has(name: string): boolean {
    return Array.isArray(this[canonicalKey(String(name))]);
  }
}

export function headerFromRaw(raw: readonly string[]): GoHeader {
  const h = new GoHeader();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name[0] === ':') continue; // HTTP/2 pseudo-headers are not fields in Go
    const key = canonicalKey(name);
    const list = h[key];
    if (Array.isArray(list)) list.push(raw[i + 1]!);
    else h[key] = [raw[i + 1]!];
  }
  return h;
}

/** url.Values. */
export class GoValues {
  readonly [GO_MAP] = true;
  readonly [GO_TYPE] = 'url.Values';
  [name: string]: unknown;

  Get(key: string): string {
    const v = this[String(key)];
    return Array.isArray(v) && v.length > 0 ? String(v[0]) : '';
  }
  Has(key: string): boolean {
    return Array.isArray(this[String(key)]);
  }
  Encode(): string {
    return Object.keys(this)
      .sort()
      .flatMap((k) => (this[k] as string[]).map((v) => queryEscape(k) + '=' + queryEscape(v)))
      .join('&');
  }
}

/** url.URL of a server request: path and query (scheme and host are empty, as in Go). */
export class GoURLValue {
  readonly [GO_TYPE] = '*url.URL';
  Scheme = '';
  Opaque = '';
  User = null;
  Host = '';
  Fragment = '';
  constructor(
    public Path: string,
    public RawPath: string,
    public RawQuery: string,
  ) {}

  Query(): GoValues {
    const v = new GoValues();
    for (const [k, list] of parseQuery(this.RawQuery).values) v[k] = list;
    return v;
  }
  EscapedPath(): string {
    return escapedPath(this.Path, this.RawPath);
  }
  RequestURI(): string {
    return this.EscapedPath() + (this.RawQuery !== '' ? '?' + this.RawQuery : '');
  }
  String(): string {
    return this.RequestURI();
  }
  Hostname(): string {
    return '';
  }
  Port(): string {
    return '';
  }
  IsAbs(): boolean {
    return false;
  }
}

/** http.Request. */
export class GoRequest {
  readonly [GO_TYPE] = '*http.Request';
  ProtoMajor: number;
  ProtoMinor: number;
  ContentLength: number;
  RemoteAddr: string;
  TLS: Record<string, unknown> | null;

  constructor(
    public Method: string,
    public URL: GoURLValue,
    public Proto: string,
    public Header: GoHeader,
    public Host: string,
    public RequestURI: string,
    ctx: Ctx,
  ) {
    this.ProtoMajor = ctx.req.httpVersionMajor;
    this.ProtoMinor = ctx.req.httpVersionMinor;
    const cl = ctx.req.headers['content-length'];
    this.ContentLength = cl === undefined ? (ctx.req.headers['transfer-encoding'] ? -1 : 0) : Number(cl);
    this.RemoteAddr = ctx.remoteIP.includes(':') ? `[${ctx.remoteIP}]:${ctx.remotePort}` : `${ctx.remoteIP}:${ctx.remotePort}`;
    this.TLS = ctx.scheme === 'https' ? { ServerName: ctx.host } : null;
  }

  UserAgent(): string {
    return this.Header.Get('User-Agent');
  }
  Referer(): string {
    return this.Header.Get('Referer');
  }
  Cookies(): GoCookie[] {
    return readCookies(this.Header.Values('Cookie'), '');
  }
  FormValue(key: string): string {
    return this.URL.Query().Get(key);
  }
}

export class GoCookie {
  readonly [GO_TYPE] = '*http.Cookie';
  constructor(
    public Name: string,
    public Value: string,
  ) {}
  String(): string {
    return `${this.Name}=${this.Value}`;
  }
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** net/http readCookies: the Cookie lines, split on ';', names checked, quotes stripped. */
export function readCookies(lines: readonly string[], filter: string): GoCookie[] {
  const out: GoCookie[] = [];
  for (const line of lines) {
    for (let part of line.trim().split(';')) {
      part = part.trim();
      if (part === '') continue;
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      if (!COOKIE_NAME.test(name)) continue;
      if (filter !== '' && filter !== name) continue;
      let val = eq < 0 ? '' : part.slice(eq + 1);
      if (val.length > 1 && val[0] === '"' && val[val.length - 1] === '"') val = val.slice(1, -1);
      if (!/^[\x20-\x7e]*$/.test(val) || /[\s",;\\]/.test(val)) continue;
      out.push(new GoCookie(name, val));
    }
  }
  return out;
}

/** The request as handlers see it now (rewrites applied). */
export function currentRequest(ctx: Ctx, header: GoHeader): GoRequest {
  const url = new GoURLValue(ctx.path, ctx.rawPath ?? '', ctx.query);
  return new GoRequest(ctx.method, url, ctx.proto, header, ctx.hostport, ctx.origURI, ctx);
}

/** The request as received (Caddy's OriginalRequestCtxKey). */
export function originalRequest(ctx: Ctx, header: GoHeader): GoRequest {
  const url = new GoURLValue(ctx.origPath, '', ctx.origQuery);
  return new GoRequest(ctx.origMethod, url, ctx.proto, header, ctx.hostport, ctx.origURI, ctx);
}
