/** Who imports whom (files and `file:snippet` nodes), to refuse import cycles before they loop forever. */
export class ImportGraph {
  private readonly edges = new Map<string, Set<string>>();

  /** Records from→to for each target; throws Caddy's message if that closes a cycle. */
  addEdges(from: string, tos: string[]): void {
    for (const to of tos) {
      // An edge already recorded was checked then (snippets are imported many times).
      if (this.edges.get(from)?.has(to)) continue;
      if (from === to || this.reaches(to, from)) {
        throw new Error(`a cycle of imports exists between ${from} and ${to}`);
      }
      let set = this.edges.get(from);
      if (!set) this.edges.set(from, (set = new Set()));
      set.add(to);
    }
  }

  private reaches(start: string, target: string): boolean {
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length) {
      const n = stack.pop()!;
      if (n === target) return true;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const m of this.edges.get(n) ?? []) stack.push(m);
    }
    return false;
  }
}
