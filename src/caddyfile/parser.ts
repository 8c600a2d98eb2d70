import { globSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Dispenser } from './dispenser.js';
import { CaddyfileError } from './errors.js';
import { ImportGraph } from './importgraph.js';
import { parseVariadic, replaceArgs } from './importargs.js';
import { replaceEnvVars, tokenize } from './lexer.js';
import { BlockTracker, MAX_NESTING, nestingError, structure } from './structure.js';
import { isCloseBrace, isNextOnNewLine, isOpenBrace, type Token } from './token.js';

/** One top-level block: its keys (site addresses, `(snippet)`, `&(route)`, or none for global options) and its directives. */
export interface ServerBlock {
  keys: Token[];
  /** One segment per directive: its tokens, including a trailing `{ ... }` block. */
  segments: Token[][];
  hasBraces: boolean;
  isNamedRoute: boolean;
}

export interface ParseOptions {
  /** Environment for `{$VAR}` (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Non-fatal findings (empty imports, deprecated placeholders...). */
  onWarning?: (message: string, token?: Token) => void;
}

/** Env substitution then lexing: the tokens of one file. */
export function allTokens(filename: string, input: string, env?: Record<string, string | undefined>): Token[] {
  return tokenize(replaceEnvVars(input, env), filename);
}

/**
 * Bounds on import expansion. Caddy has none, so a snippet that imports
 * another twice, 24 levels deep, runs it out of memory; here such a file is an
 * error naming the import chain. Real configs stay far below both: a
 * 1,000-site file is ~20,000 tokens in all, and imports rarely nest 5 deep.
 */
export const MAX_IMPORTED_TOKENS = 1_000_000;
export const MAX_IMPORTS = 100_000;
export const MAX_IMPORT_DEPTH = 100;

/** Lexes and parses a Caddyfile, expanding imports and snippets. Throws CaddyfileError. */
export function parseCaddyfile(filename: string, input: string, opts: ParseOptions = {}): ServerBlock[] {
  const ex = new Expander(allTokens(filename, input, opts.env), opts);
  const expanded: Token[] = [];
  ex.expand(expanded);
  const blocks = structure(expanded, (message, token) => opts.onWarning?.(message, token));
  // Named routes are looked up by name, so their place among the blocks does not matter.
  return [...blocks, ...ex.namedRoutes];
}

/** What all expanders of one parse share: snippets are defined in file order and visible to later imports. */
interface ExpandState {
  snippets: Map<string, Token[]>;
  graph: ImportGraph;
  namedRoutes: ServerBlock[];
  /** Where in the server-block structure the expanded stream is. */
  tracker: BlockTracker;
  /** Tokens emitted from imports and imports expanded so far (bounded by MAX_IMPORTED_TOKENS, MAX_IMPORTS). */
  imported: { count: number; imports: number };
}

/**
 * Expands imports in the token stream and takes snippet definitions out of
 * it, in file order as Caddy's parser does (a snippet must be defined before
 * it is imported). An import's tokens are expanded by a child expander into
 * the same output, which reads exactly like Caddy's splice-and-rescan without
 * copying the whole token list per import. The block structure is left to
 * structure.ts (and the grammar it applies to server-block heads).
 */
class Expander extends Dispenser {
  private readonly state: ExpandState;
  private readonly snippets: Map<string, Token[]>;
  private readonly graph: ImportGraph;
  readonly namedRoutes: ServerBlock[];

  /**
   * @param chain the imports that led to these tokens, outermost first
   *   (empty for the top-level file); expanders nest one level per import.
   */
  constructor(
    tokens: Token[],
    private readonly opts: ParseOptions,
    state?: ExpandState,
    private readonly chain: string[] = [],
  ) {
    super(tokens);
    this.state = state ?? { snippets: new Map(), graph: new ImportGraph(), namedRoutes: [], tracker: new BlockTracker(), imported: { count: 0, imports: 0 } };
    this.snippets = this.state.snippets;
    this.graph = this.state.graph;
    this.namedRoutes = this.state.namedRoutes;
  }

  private warn(msg: string): void {
    this.opts.onWarning?.(msg, this.token());
  }

  /** Appends the expanded tokens to `out`. */
  expand(out: Token[]): void {
    const tracker = this.state.tracker;
    while (this.next()) {
      const t = this.token()!;
      // Caddy expands `import` where a line starts, and as a block's first directive.
      if (t.quoted === '' && t.text === 'import' && (this.isNewLine() || tracker.startsSegment(t))) {
        const chain = [...this.chain, `${t.file}:${t.line} (import ${this.tokens[this.cursor + 1]?.text ?? ''})`];
        if (chain.length > MAX_IMPORT_DEPTH) {
          throw new CaddyfileError(`imports nested more than ${MAX_IMPORT_DEPTH} deep`, t.file, t.line, t.col, chain);
        }
        if (++this.state.imported.imports > MAX_IMPORTS) {
          throw new CaddyfileError(
            `more than ${MAX_IMPORTS} imports to expand; a snippet or file is probably imported repeatedly at several levels`,
            t.file,
            t.line,
            t.col,
            chain,
          );
        }
        const imported = this.doImport(tracker.inBody() ? 1 : 0);
        new Expander(imported, this.opts, this.state, chain).expand(out);
        continue;
      }
      // Snippets and named routes are defined only where a server block starts
      // (elsewhere `(name)` is a directive, as in Caddy).
      if (tracker.atBlockStart() && t.quoted === '') {
        const next = this.tokens[this.cursor + 1];
        const ownLine = this.isNextOnNewLine() || isOpenBrace(next);
        if (t.text.length >= 2 && t.text.startsWith('(') && t.text.endsWith(')') && ownLine) {
          this.defineSnippet(t.text.slice(1, -1));
          continue;
        }
        if (t.text.startsWith('&(') && t.text.endsWith(')') && ownLine) {
          // Caddy keeps a named route's body as written (imports in it are not expanded).
          const name: Token = { ...t, text: t.text.slice(2, -1) };
          this.next();
          this.namedRoutes.push({ keys: [name], segments: [[name, ...this.blockTokens(true)]], hasBraces: true, isNamedRoute: true });
          continue;
        }
      }
      if (this.chain.length > 0 && ++this.state.imported.count > MAX_IMPORTED_TOKENS) {
        throw new CaddyfileError(
          `imports expand to more than ${MAX_IMPORTED_TOKENS} tokens; a snippet or file is probably imported repeatedly at several levels`,
          t.file,
          t.line,
          t.col,
          this.chain,
        );
      }
      tracker.feed(t);
      out.push(t);
    }
  }

  private defineSnippet(name: string): void {
    if (this.snippets.has(name)) throw this.err(`redeclaration of previously declared snippet ${name}`);
    this.next();
    const tokens = this.blockTokens(false).map((t) => ({ ...t, snippetName: name }));
    this.snippets.set(name, tokens);
  }

  /** The tokens of the block opening at the cursor, for later replay (snippets, named routes). */
  private blockTokens(retainBraces: boolean): Token[] {
    if (!isOpenBrace(this.token())) throw this.syntaxErr('{');
    let nesting = 1;
    const tokens: Token[] = retainBraces ? [this.token()!] : [];
    while (this.next()) {
      const tok = this.token()!;
      if (isCloseBrace(tok)) {
        nesting--;
        if (nesting === 0) {
          if (retainBraces) tokens.push(tok);
          break;
        }
      }
      if (isOpenBrace(tok) && ++nesting > MAX_NESTING) throw nestingError(tok);
      tokens.push(tok);
    }
    if (nesting !== 0) throw this.syntaxErr('}');
    return tokens;
  }

  /**
   * Reads `import <pattern> [args...] [{ block }]` at the cursor and returns
   * the tokens it stands for, arguments and blocks filled in; the cursor ends
   * on the statement's last token.
   */
  private doImport(nesting: number): Token[] {
    const importTok = this.token()!;
    if (!this.nextArg()) throw this.argErr();
    const pattern = this.val();
    if (pattern === '') throw this.err('Import requires a non-empty filepath');
    const args = this.remainingArgs();

    const blockTokens: Token[] = [];
    for (const n = this.getNesting(); this.nextBlock(n); ) blockTokens.push(this.token()!);
    const blockMapping = new Map<string, Token[]>();
    if (blockTokens.length > 0) {
      const bd = new Dispenser(blockTokens);
      while (bd.next()) {
        if (isOpenBrace(bd.token())) throw CaddyfileError.at(bd.token(), 'anonymous blocks are not supported');
        const key = bd.val();
        const mapped: Token[] = [];
        while (bd.nextArg()) mapped.push(bd.token()!);
        for (const n = bd.getNesting(); bd.nextBlock(n); ) mapped.push(bd.token()!);
        blockMapping.set(key, mapped);
      }
    }

    let imported: Token[];
    let nodes: string[];
    const snippet = this.snippets.get(pattern);
    if (snippet) {
      imported = snippet;
      nodes = snippet.length ? [`${snippet[0]!.file}:${snippet[0]!.snippetName}`] : [];
    } else {
      [imported, nodes] = this.importFiles(pattern, importTok);
    }

    const nodeName = importTok.snippetName ? `${importTok.file}:${importTok.snippetName}` : importTok.file;
    try {
      this.graph.addEdges(nodeName, nodes);
    } catch (e) {
      throw CaddyfileError.at(importTok, (e as Error).message);
    }

    const warn = (m: string) => this.warn(m);
    const out: Token[] = [];
    let maybeSnippet = false;
    let maybeSnippetId = false;
    let index = 0;
    let depth = nesting;
    // Tokens that came the same way share one chain array (an import can
    // expand to very many tokens).
    const chains = new Map<string[], Map<string | undefined, string[]>>();
    const chainOf = (orig: Token): string[] => {
      const key = orig.imports.length === 0 ? noImports : orig.imports;
      let bySnippet = chains.get(key);
      if (!bySnippet) chains.set(key, (bySnippet = new Map()));
      let chain = bySnippet.get(orig.snippetName);
      if (!chain) {
        const entry = orig.snippetName
          ? `${importTok.file}:${importTok.line} (import ${orig.snippetName})`
          : `${importTok.file}:${importTok.line} (import)`;
        bySnippet.set(orig.snippetName, (chain = [...orig.imports, entry]));
      }
      return chain;
    };
    imported.forEach((orig, i) => {
      const token: Token = { ...orig, imports: chainOf(orig) };
      // A snippet defined inside an imported file keeps its placeholders until it is imported itself.
      if (!maybeSnippet && depth === 0) {
        if (i === 0 || (out.length > 0 && isNextOnNewLine(out[out.length - 1]!, token))) index = 0;
        else index++;
        if (index === 0 && token.text.length >= 3 && token.text.startsWith('(') && token.text.endsWith(')')) {
          maybeSnippetId = true;
        }
      }
      if (isOpenBrace(token)) {
        depth++;
        if (index === 1 && maybeSnippetId && depth === 1) {
          maybeSnippet = true;
          maybeSnippetId = false;
        }
      } else if (isCloseBrace(token)) {
        depth--;
        if (depth === 0 && maybeSnippet) maybeSnippet = false;
      }

      let blockSubst: Token[] | undefined;
      if (token.text === '{block}') blockSubst = blockTokens;
      else if (token.text.startsWith('{blocks.') && token.text.endsWith('}')) {
        blockSubst = blockMapping.get(token.text.slice(8, -1)) ?? [];
      }
      if (blockSubst) {
        if (maybeSnippet) out.push(token);
        else out.push(...blockSubst);
        return;
      }
      if (maybeSnippet) {
        out.push(token);
        return;
      }
      const range = parseVariadic(token, args.length, warn);
      if (range) {
        for (const a of args.slice(range[0], range[1])) out.push({ ...token, text: a });
      } else {
        out.push({ ...token, text: replaceArgs(token.text, args, warn) });
      }
    });

    return out;
  }

  /** Tokens of every file an import pattern names, relative to the importing file. */
  private importFiles(pattern: string, importTok: Token): [Token[], string[]] {
    const absFile = path.resolve(importTok.file);
    const globPattern = path.isAbsolute(pattern) ? pattern : path.join(path.dirname(absFile), pattern);
    if (count(globPattern, '*') > 1 || count(globPattern, '?') > 1 || (globPattern.includes('[') && globPattern.includes(']'))) {
      throw this.err(`Glob pattern may only contain one wildcard (*), but has others: ${globPattern}`);
    }
    let matches: string[];
    if (/[*?[\]]/.test(globPattern)) {
      matches = globSync(globPattern).sort();
      if (matches.length === 0) {
        this.warn(`No files matching import glob pattern: ${pattern}`);
        return [[], []];
      }
      // A bare `*` in the last segment skips dotfiles (caddy#5295).
      if (path.basename(globPattern).startsWith('*')) matches = matches.filter((m) => !path.basename(m).startsWith('.'));
    } else {
      try {
        statSync(globPattern);
      } catch {
        throw this.err(`File to import not found: ${pattern}`);
      }
      matches = [globPattern];
    }
    const tokens: Token[] = [];
    for (const file of matches) {
      let input: string;
      try {
        if (statSync(file).isDirectory()) throw this.err(`Could not import ${file}: is a directory`);
        input = readFileSync(file, 'utf8');
      } catch (e) {
        if (e instanceof CaddyfileError) throw e;
        throw this.err(`Could not import ${file}: ${(e as Error).message}`);
      }
      if (input.trim() === '') {
        this.warn(`Import file is empty: ${file}`);
        continue;
      }
      let fileTokens: Token[];
      try {
        fileTokens = allTokens(path.resolve(file), input, this.opts.env);
      } catch (e) {
        throw this.err(`Could not read tokens while importing ${file}: ${e instanceof CaddyfileError ? e.reason : (e as Error).message}`);
      }
      tokens.push(...fileTokens);
    }
    return [tokens, matches];
  }
}

const noImports: string[] = [];

function count(s: string, c: string): number {
  return s.split(c).length - 1;
}
