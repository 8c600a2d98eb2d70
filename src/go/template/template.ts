/**
 * Go's text/template.Template: a named template in a set sharing trees,
 * functions, delimiters and options. New → Delims/Funcs/Option → Parse →
 * Execute, as in Go; Parse may be called again to add definitions.
 */
import { BUILTINS } from './builtins.js';
import { MAX_EXEC_DEPTH, State, TemplateExecError, type ExecTemplate } from './exec.js';
import { isEmptyTree, parse, type Tree } from './parse.js';
import type { GoFunc } from './values.js';

interface Common {
  trees: Map<string, Tree>;
  /** Function maps in the order added; a later map wins (Go's Funcs overrides earlier names). */
  funcs: ReadonlyMap<string, GoFunc>[];
  missingKey: 'default' | 'zero' | 'error';
}

export class Template implements ExecTemplate {
  private leftDelim = '';
  private rightDelim = '';

  private constructor(
    readonly name: string,
    private readonly common: Common,
  ) {}

  static new(name: string): Template {
    return new Template(name, { trees: new Map(), funcs: [], missingKey: 'default' });
  }

  get tree(): Tree | undefined {
    return this.common.trees.get(this.name);
  }

  get missingKey(): 'default' | 'zero' | 'error' {
    return this.common.missingKey;
  }

  /** Go's Delims: empty strings mean the defaults. */
  delims(left: string, right: string): this {
    this.leftDelim = left;
    this.rightDelim = right;
    return this;
  }

  /**
   * Go's Funcs: adds to the set's functions (later calls override earlier
   * names). A Map is kept by reference, so a shared library costs no copy.
   */
  funcs(map: Readonly<Record<string, GoFunc>> | ReadonlyMap<string, GoFunc>): this {
    this.common.funcs.push(map instanceof Map ? map : new Map(Object.entries(map)));
    return this;
  }

  private userFunc(name: string): GoFunc | undefined {
    const maps = this.common.funcs;
    for (let i = maps.length - 1; i >= 0; i--) {
      const f = maps[i]!.get(name);
      if (f !== undefined) return f;
    }
    return undefined;
  }

  /** Go's Option: missingkey=default|invalid|zero|error. */
  option(...opts: string[]): this {
    for (const o of opts) {
      const m = /^missingkey=(.*)$/.exec(o);
      if (m === null) throw new Error(`unrecognized option: ${o}`);
      switch (m[1]) {
        case 'invalid':
        case 'default':
          this.common.missingKey = 'default';
          break;
        case 'zero':
          this.common.missingKey = 'zero';
          break;
        case 'error':
          this.common.missingKey = 'error';
          break;
        default:
          throw new Error(`unrecognized option: ${o}`);
      }
    }
    return this;
  }

  /** Parses text as this template's body; its {{define}}s join the set. Throws TemplateParseError. */
  parse(text: string): this {
    const trees = parse(this.name, text, {
      leftDelim: this.leftDelim,
      rightDelim: this.rightDelim,
      hasFunction: (n) => this.userFunc(n) !== undefined || BUILTINS.has(n),
    });
    for (const [name, tree] of trees) {
      // AddParseTree: an empty redefinition does not replace a template that has a body.
      const old = this.common.trees.get(name);
      if (old !== undefined && isEmptyTree(tree.root)) continue;
      this.common.trees.set(name, tree);
    }
    return this;
  }

  lookup(name: string): Template | undefined {
    return this.common.trees.has(name) ? new Template(name, this.common) : undefined;
  }

  /** The names of the templates in the set (Go's DefinedTemplates without its prefix). */
  definedTemplates(): string[] {
    return [...this.common.trees.keys()];
  }

  findFunction(name: string): { fn: GoFunc; builtin: boolean } | undefined {
    const f = this.userFunc(name);
    if (f !== undefined) return { fn: f, builtin: false };
    const b = BUILTINS.get(name);
    return b === undefined ? undefined : { fn: b, builtin: true };
  }

  /** Runs the template on data and returns its output. Throws TemplateExecError. */
  execute(data: unknown): string {
    const tree = this.tree;
    if (tree === undefined) throw new TemplateExecError(`template: ${this.name}: ${JSON.stringify(this.name)} is an incomplete or empty template`);
    const out: string[] = [];
    const state = new State(this, data, out);
    try {
      state.run(tree.root, data);
    } catch (e) {
      if (e instanceof RangeError && /call stack/.test(e.message)) {
        throw new TemplateExecError(`template: ${this.name}: exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
      }
      throw e;
    }
    return out.join('');
  }

  executeTemplate(name: string, data: unknown): string {
    const t = this.lookup(name);
    if (t === undefined) throw new TemplateExecError(`template: no template ${JSON.stringify(name)} associated with template ${JSON.stringify(this.name)}`);
    return t.execute(data);
  }
}

export { TemplateExecError } from './exec.js';
export { TemplateParseError } from './parse.js';
export type { GoFunc } from './values.js';
export { GO_MAP, GO_TYPE } from './values.js';
