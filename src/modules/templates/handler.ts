/**
 * templates (Caddy's templates.Templates): holds back the response of the
 * handlers after it when its Content-Type contains one of `mime_types`,
 * executes it as a Go text/template with Caddy's context and functions
 * (context.ts) and Sprig's, and sends the result with its own
 * Content-Length and without Accept-Ranges, Last-Modified and ETag (Caddy
 * drops them: the content is dynamic). Other responses stream through
 * untouched. A template error is a 500 HandlerError (its message is Go's,
 * `template: /index.html:3:5: executing ...`); httpError gives its status.
 *
 * httpInclude needs a request of its own, which a synchronous execution
 * cannot wait for: a URI not fetched yet is noted and stands in as '', the
 * run goes on (finding the other includes), then the noted ones are
 * fetched together (include.ts) and the template runs again from the
 * start with the header as it was. A page whose includes do not depend on
 * each other runs twice.
 */
import type { EngineLog } from '../../core/log.js';
import { handlerModule, type ProvisionEnv } from '../../core/registry.js';
import { compileTemplate } from '../../core/replacer.js';
import type { HeaderValue, ResponseWriter } from '../../core/response.js';
import { HELD, ResponseRecorder } from '../../core/response_recorder.js';
import { HandlerError, type Handler } from '../../core/types.js';
import { decodeTemplates, type TemplatesConfig } from './config.js';
import { TemplateContext, type IncludedResponse, type RunState } from './context.js';
import { RootFS } from './files.js';
import { fetchInclude } from './include.js';

/** httpInclude requests one response may make (each round of them runs the template again). */
const MAX_INCLUDES = 32;

/** Caddy's responseRecorder with the templates' shouldBuf (Content-Type contains a listed type). */
class TemplateWriter extends ResponseRecorder {
  constructor(
    w: ResponseWriter,
    private readonly mimeTypes: readonly string[],
  ) {
    super(w);
  }

  protected shouldBuffer(status: number): boolean {
    // Bodiless answers (Go's ServeContent drops Content-Type from a 304) are never templates.
    if (status === 304 || status === 204) return false;
    const ct = this.w.getHeader('content-type');
    const text = ct === undefined ? '' : Array.isArray(ct) ? String(ct[0] ?? '') : String(ct);
    return this.mimeTypes.some((m) => text.includes(m));
  }
}

/** The HandlerError somewhere in an error's causes (Caddy's errors.As), e.g. from httpError. */
function handlerErrorIn(err: unknown): HandlerError | null {
  for (let e: unknown = err, i = 0; e !== undefined && e !== null && i < 20; i++) {
    if (e instanceof HandlerError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

function snapshot(w: ResponseWriter): Record<string, HeaderValue | undefined> {
  return { ...w.getHeaders() };
}

function restore(w: ResponseWriter, saved: Record<string, HeaderValue | undefined>): void {
  for (const name of Object.keys(w.getHeaders())) if (!(name in saved)) w.removeHeader(name);
  for (const [name, v] of Object.entries(saved)) if (v !== undefined) w.setHeader(name, v);
}

function provision(config: TemplatesConfig, env: ProvisionEnv): Handler {
  const root = compileTemplate(config.fileRoot, 'empty', { empty: '.' });
  const log: EngineLog | undefined = env.log;
  const { mimeTypes, delimiters } = config;

  return async (ctx, next) => {
    const w = ctx.w;
    const rec = new TemplateWriter(w, mimeTypes);
    ctx.w = rec;
    try {
      await next();
    } finally {
      ctx.w = w;
    }
    if (rec.mode !== HELD) return;

    const source = rec.takeBody().toString('utf8');
    const includes = new Map<string, IncludedResponse>();
    const run: RunState = {
      ctx,
      w,
      fs: new RootFS(root(ctx.repl)),
      delimiters,
      includes,
      pending: new Map(),
      warn: (msg, fields) => log?.('warn', 'http.handlers.templates.maybe', msg, fields),
    };
    const saved = snapshot(w);
    let out: string;
    for (;;) {
      let error: unknown = null;
      let result = '';
      try {
        result = new TemplateContext(run).execute(ctx.path, source);
      } catch (err) {
        error = err;
      }
      if (run.pending.size === 0) {
        if (error === null) {
          out = result;
          break;
        }
        // The held Content-Length described the template, not the error page that follows.
        w.removeHeader('Content-Length');
        const he = handlerErrorIn(error);
        if (he !== null) throw he;
        throw new HandlerError(500, error instanceof Error ? error.message : String(error), error);
      }
      // Some httpInclude had no response yet (an error may come from its empty stand-in):
      // fetch them all, put the header back as it was, run again.
      if (includes.size + run.pending.size > MAX_INCLUDES) {
        w.removeHeader('Content-Length');
        throw new HandlerError(500, `template: ${ctx.path}: more than ${MAX_INCLUDES} httpInclude requests in one response`);
      }
      const batch = [...run.pending];
      run.pending.clear();
      restore(w, saved);
      try {
        const got = await Promise.all(batch.map(([uri, depth]) => fetchInclude(ctx, uri, depth)));
        batch.forEach(([uri], i) => includes.set(uri, got[i]!));
      } catch (e) {
        w.removeHeader('Content-Length');
        throw new HandlerError(500, `template: ${ctx.path}: error calling httpInclude: ${(e as Error).message}`, e);
      }
    }

    w.setHeader('Content-Length', String(Buffer.byteLength(out, 'utf8')));
    w.removeHeader('Accept-Ranges');
    w.removeHeader('Last-Modified');
    w.removeHeader('Etag');
    w.statusCode = rec.status;
    if (rec.message !== undefined) w.statusMessage = rec.message;
    w.end(out);
  };
}

export const templatesHandler = handlerModule('templates', { decode: decodeTemplates, provision });
