/**
 * Caddy's TemplateContext: the dot of every templated response (.Req,
 * .Args, .RespHeader, .Cookie, .RemoteIP, .ClientIP, .Host, .OriginalReq)
 * and the functions Caddy adds to Sprig's (include, import, readFile,
 * httpInclude, markdown, splitFrontMatter, listFiles, fileExists, fileStat,
 * env, placeholder/ph, httpError, humanize, maybe, pathEscape, stripHTML).
 */
import { canonicalKey } from '../../core/header_ops.js';
import type { Replacer } from '../../core/replacer.js';
import { getString } from '../../core/replacer.js';
import type { ResponseWriter } from '../../core/response.js';
import { HandlerError, type Ctx } from '../../core/types.js';
import { toGoString } from '../../go/fmt.js';
import { SPRIG } from '../../go/template/sprig.js';
import { Template, type GoFunc } from '../../go/template/template.js';
import { GO_TYPE } from '../../go/template/values.js';
import { goFunc } from '../../go/template/builtins.js';
import { pathEscape } from '../../go/url.js';
import { RootFS } from './files.js';
import { splitFrontMatter } from './frontmatter.js';
import { humanize } from './humanize.js';
import { renderMarkdown } from './markdown.js';
import { currentRequest, GoHeader, GoRequest, headerFromRaw, originalRequest, readCookies } from './request.js';

/** Caddy's recursionPreventionHeader and its limit. */
export const INCLUDE_HEADER = 'Caddy-Templates-Include';
export const MAX_INCLUDE_DEPTH = 3;

export interface IncludedResponse {
  status: number;
  body: string;
}

/** Per response: what the functions share (the writer's header, fetched httpIncludes, the logger). */
export interface RunState {
  readonly ctx: Ctx;
  readonly w: ResponseWriter;
  readonly fs: RootFS | null;
  readonly delimiters: readonly [string, string] | null;
  /** httpInclude responses fetched so far, by URI. */
  readonly includes: Map<string, IncludedResponse>;
  /** URIs asked for in this run and not fetched yet, with the depth their request carries. */
  readonly pending: Map<string, number>;
  readonly warn: (msg: string, fields: Record<string, unknown>) => void;
}

/** WrappedHeader: .RespHeader.Set "X" "y" edits the response's header and prints nothing. */
export class WrappedHeader {
  readonly [GO_TYPE] = 'templates.WrappedHeader';
  constructor(private readonly w: ResponseWriter) {}
  Add(field: string, val: string): string {
    this.w.appendHeader(canonicalKey(field), val);
    return '';
  }
  Set(field: string, val: string): string {
    this.w.setHeader(canonicalKey(field), val);
    return '';
  }
  Del(field: string): string {
    this.w.removeHeader(field);
    return '';
  }
  Get(field: string): string {
    const v = this.w.getHeader(field);
    return v === undefined ? '' : Array.isArray(v) ? String(v[0] ?? '') : String(v);
  }
}

/** Caddy's funcStripHTML: drops tags (quotes inside tags respected), keeps a stray '>'. */
export function stripHTML(s: string): string {
  let out = '';
  let depth = 0;
  let quote = '';
  for (const ch of s) {
    if (depth > 0 && quote === '' && (ch === '"' || ch === "'")) quote = ch;
    else if (depth > 0 && ch === quote) quote = '';
    else if (ch === '<' && quote === '') depth++;
    else if (ch === '>' && quote === '') {
      if (depth > 0) depth--;
      else out += ch;
    } else if (depth === 0) out += ch;
  }
  return out;
}

export class TemplateContext {
  readonly [GO_TYPE] = '*templates.TemplateContext';
  Root: string | null;
  Req: GoRequest;
  Args: unknown[] = [];
  RespHeader: WrappedHeader;
  /** The request's header, shared by .Req and .OriginalReq (Go shares the map too). */
  private readonly header: GoHeader;

  constructor(private readonly run: RunState) {
    this.Root = run.fs?.root ?? null;
    this.header = headerFromRaw(run.ctx.req.rawHeaders);
    this.Req = currentRequest(run.ctx, this.header);
    this.RespHeader = new WrappedHeader(run.w);
  }

  OriginalReq(): GoRequest {
    return originalRequest(this.run.ctx, this.header);
  }
  Cookie(name: string): string {
    return readCookies(this.header.Values('Cookie'), String(name))[0]?.Value ?? '';
  }
  RemoteIP(): string {
    return this.run.ctx.remoteIP;
  }
  ClientIP(): string {
    return this.run.ctx.clientIP;
  }
  Host(): string {
    const h = this.run.ctx.hostport;
    const m = /^\[([^\]]*)\](?::\d*)?$/.exec(h);
    if (m !== null) return m[1]!;
    const colon = h.indexOf(':');
    if (colon < 0) return h;
    if (h.indexOf(':', colon + 1) >= 0) throw new Error(`address ${h}: too many colons in address`);
    return h.slice(0, colon);
  }

  /** A copy for include: Go's value receiver gets its own Args. */
  withArgs(args: unknown[]): TemplateContext {
    const c = Object.create(TemplateContext.prototype) as TemplateContext;
    Object.assign(c, this);
    c.Args = args;
    return c;
  }

  // ---- execution ----

  /** NewTemplate + Parse + Execute: a template named `name` over `text`, with this context as dot. */
  execute(name: string, text: string): string {
    const tpl = this.newTemplate(name);
    tpl.parse(text);
    return tpl.execute(this);
  }

  private newTemplate(name: string): Template {
    const tpl = Template.new(name).option('missingkey=zero');
    const d = this.run.delimiters;
    if (d !== null) tpl.delims(d[0], d[1]);
    tpl.funcs(SPRIG);
    tpl.funcs(this.functions(tpl));
    return tpl;
  }

  private needFS(): RootFS {
    if (this.run.fs === null) throw new Error('root file system not specified');
    return this.run.fs;
  }

  private functions(tpl: Template): Map<string, GoFunc> {
    const run = this.run;
    const placeholder = goFunc(1, 1, (name) => placeholderValue(run.ctx.repl, String(name)));
    return new Map<string, GoFunc>([
      ['include', goFunc(1, Infinity, (filename, ...args) => {
        const body = this.needFS().readFile(String(filename));
        return this.withArgs(args).execute(String(filename), body);
      })],
      ['readFile', goFunc(1, 1, (filename) => this.needFS().readFile(String(filename)))],
      ['import', goFunc(1, 1, (filename) => {
        tpl.parse(this.needFS().readFile(String(filename)));
        return '';
      })],
      ['httpInclude', goFunc(1, 1, (uri) => this.httpInclude(String(uri)))],
      ['stripHTML', goFunc(1, 1, (s) => stripHTML(String(s)))],
      ['markdown', goFunc(1, 1, (input) => renderMarkdown(toGoString(input)))],
      ['splitFrontMatter', goFunc(1, 1, (input) => splitFrontMatter(toGoString(input)))],
      ['listFiles', goFunc(1, 1, (name) => this.needFS().list(String(name)))],
      ['fileStat', goFunc(1, 1, (name) => this.needFS().stat(String(name)))],
      ['env', goFunc(1, 1, (name) => process.env[String(name)] ?? '')],
      ['placeholder', placeholder],
      ['ph', placeholder],
      ['fileExists', goFunc(1, 1, (name) => this.needFS().exists(String(name)))],
      ['httpError', goFunc(1, 1, (code) => this.httpError(code))],
      ['humanize', goFunc(2, 2, (formatType, data) => humanize(String(formatType), String(data)))],
      ['maybe', goFunc(1, Infinity, (name) => {
        // No template function plugins exist here: every name is unknown, which Caddy only logs.
        run.warn('template function could not be found; ignoring invocation', { name: String(name) });
        return '';
      })],
      ['pathEscape', goFunc(1, 1, (s) => pathEscape(String(s)))],
    ]);
  }

  private httpInclude(uri: string): string {
    let depth = 1;
    const current = this.header.Get(INCLUDE_HEADER);
    if (current !== '') {
      if (!/^[+-]?\d+$/.test(current)) throw new Error(`parsing ${INCLUDE_HEADER}: strconv.Atoi: parsing ${JSON.stringify(current)}: invalid syntax`);
      const n = Number(current);
      if (n >= MAX_INCLUDE_DEPTH) throw new Error('virtual request cycle');
      depth = n + 1;
    }
    const got = this.run.includes.get(uri);
    if (got === undefined) {
      // Not fetched yet: noted, and the run goes on to find the others; its output is thrown away.
      this.run.pending.set(uri, depth);
      return '';
    }
    if (got.status >= 400) throw new Error(`http ${got.status}`);
    return this.execute(uri, got.body);
  }

  private httpError(code: unknown): never {
    const w = this.run.w;
    for (const h of ['Content-Length', 'Content-Type', 'Etag', 'Last-Modified', 'Accept-Ranges']) w.removeHeader(h);
    const status = typeof code === 'number' ? code : Number(code);
    throw new HandlerError(status, `HTTP ${status}`);
  }
}

/** Caddy's funcPlaceholder: the replacer without file placeholders ({file.*} reads nothing). */
function placeholderValue(repl: Replacer, name: string): string {
  if (name.startsWith('file.')) return '';
  return getString(repl, name)[0];
}
