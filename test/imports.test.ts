/**
 * No import circles: the relative imports of the repository's own modules (src/, shaders/, bench/, demos/ and any
 * file they reach) form a graph without cycles. Type-only imports count too: a circle of types still ties the
 * modules into one unit that must be read and changed together.
 *
 * The graph is read from the sources: `import … from './x.js'`, `import type … from`, `export … from`, bare
 * `import './x.js'` and `import('./x.js')`; a `.js` specifier resolves to the `.ts` file beside it. Cycles are the
 * strongly connected components of more than one file (or a file importing itself), found with Tarjan's algorithm;
 * each is reported as the shortest chain `a.ts -> b.ts -> … -> a.ts` through each of its files (the same circle
 * found from two of its files is listed once).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = resolve(__dirname, '..');
const ROOTS = ['src', 'shaders', 'reference', 'scripts', 'bench', 'demos'];
const SOURCE = /\.(ts|mts|mjs|js)$/;

type Graph = Map<string, string[]>;

/** Source files under `dir`, skipping node_modules and dot folders. */
function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const files: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (SOURCE.test(entry) && !entry.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

const FROM = /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g;
const BARE = /\bimport\s*['"]([^'"]+)['"]/g;
const DYNAMIC = /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The relative module specifiers in a file's text (static, re-export, side-effect and dynamic imports). */
export function relativeSpecifiers(text: string): string[] {
  const found: string[] = [];
  for (const pattern of [FROM, BARE, DYNAMIC]) {
    for (const match of text.matchAll(pattern)) {
      if (match[1]!.startsWith('.')) found.push(match[1]!);
    }
  }
  return found;
}

/** The file a relative specifier names: `.js` tries `.ts` first (TypeScript's ESM convention). */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const candidates = base.endsWith('.js')
    ? [base.slice(0, -3) + '.ts', base]
    : base.endsWith('.mjs')
      ? [base.slice(0, -4) + '.mts', base]
      : [base, base + '.ts', join(base, 'index.ts')];
  return candidates.find((path) => existsSync(path) && statSync(path).isFile());
}

/** The import graph from the files under `roots`, following every resolved import to its file. */
function importGraph(roots: string[]): Graph {
  const graph: Graph = new Map();
  const pending = roots.flatMap((root) => sourceFiles(join(ROOT, root)));
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (graph.has(file)) continue;
    const targets = relativeSpecifiers(readFileSync(file, 'utf8'))
      .map((specifier) => resolveSpecifier(file, specifier))
      .filter((target): target is string => target !== undefined && !target.includes('node_modules'));
    graph.set(file, [...new Set(targets)]);
    pending.push(...targets.filter((target) => !graph.has(target)));
  }
  return graph;
}

/** Tarjan's strongly connected components that hold a cycle (more than one node, or a node with a self-edge). */
export function cyclicComponents(graph: Graph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components;
}

/** The shortest cycle through `start` inside its component, as the chain of nodes from `start` back to it. */
export function cycleThrough(graph: Graph, component: string[], start: string): string[] {
  const members = new Set(component);
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of graph.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const chain = [start];
        for (let at = node; at !== start; at = parent.get(at)!) chain.splice(1, 0, at);
        return [...chain, start];
      }
      if (!parent.has(next)) {
        parent.set(next, node);
        queue.push(next);
      }
    }
  }
  throw new Error(`component ${component.join(', ')} holds no cycle through ${start}`);
}

/** The shortest cycle through each node of each cyclic component, each circle once (starting at its least node). */
export function cycles(graph: Graph): string[][] {
  const found = new Map<string, string[]>();
  for (const component of cyclicComponents(graph)) {
    for (const node of component) {
      const chain = cycleThrough(graph, component, node).slice(0, -1);
      const first = chain.indexOf([...chain].sort()[0]!);
      const rotated = [...chain.slice(first), ...chain.slice(0, first)];
      found.set(rotated.join('\n'), [...rotated, rotated[0]!]);
    }
  }
  return [...found.values()];
}

describe('import graph', () => {
  test('the cycle finder reports a circle of three, a self-import, two circles sharing a node, and nothing for a diamond', () => {
    const graph: Graph = new Map([
      ['a', ['b']],
      ['b', ['c', 'd']],
      ['c', ['a']],
      ['d', []],
      ['e', ['e']],
      ['f', ['g', 'h']],
      ['g', ['i']],
      ['h', ['i']],
      ['i', []],
    ]);
    const components = cyclicComponents(graph);
    expect(components).toEqual(expect.arrayContaining([['a', 'b', 'c'], ['e']]));
    expect(components).toHaveLength(2);
    const twoCircles: Graph = new Map([
      ['p', ['q']],
      ['q', ['p', 'r']],
      ['r', ['q']],
    ]);
    expect(cycles(twoCircles)).toEqual([['p', 'q', 'p'], ['q', 'r', 'q']]);
    expect(cycleThrough(graph, ['a', 'b', 'c'], 'b')).toEqual(['b', 'c', 'a', 'b']);
    expect(cycles(graph)).toEqual([['a', 'b', 'c', 'a'], ['e', 'e']]);
  });

  test('the specifier reader sees type-only, re-export, multi-line, side-effect and dynamic imports', () => {
    const text = [
      "import type { A } from './a.js';",
      "import {\n  b,\n  c,\n} from '../b.js';",
      "export { d } from './d.js';",
      "export * from './e.js';",
      "import './f.js';",
      "const g = await import('./g.js');",
      "import { h } from 'vitest';",
    ].join('\n');
    expect(relativeSpecifiers(text).sort()).toEqual(['../b.js', './a.js', './d.js', './e.js', './f.js', './g.js']);
  });

  test('src/, shaders/, reference/, scripts/, bench/ and demos/ import one another without circles', () => {
    const graph = importGraph(ROOTS);
    expect(graph.size).toBeGreaterThan(50);
    const circles = cycles(graph).map((chain) => chain.map((file) => relative(ROOT, file)).join(' -> '));
    expect(circles, `import circles:\n${circles.join('\n')}`).toEqual([]);
  });

  // The house: shaders/ holds WGSL libraries that stand alone; the library (src/) depends on no test or benchmark
  // code; the float64 references in reference/ serve test/ and bench/ alike, so neither reaches into the other.
  test.each([
    ['shaders', ['src', 'reference', 'test', 'bench', 'demos']],
    ['src', ['reference', 'test', 'bench', 'demos', 'scripts']],
    ['reference', ['test', 'bench']],
    ['bench', ['test']],
  ])('%s/ imports nothing from %j', (from, forbidden) => {
    const graph = importGraph([from]);
    const crossings: string[] = [];
    for (const [file, targets] of graph) {
      if (!relative(ROOT, file).startsWith(`${from}/`)) continue;
      for (const target of targets) {
        const top = relative(ROOT, target).split('/')[0]!;
        if ((forbidden as string[]).includes(top)) crossings.push(`${relative(ROOT, file)} -> ${relative(ROOT, target)}`);
      }
    }
    expect(crossings, crossings.join('\n')).toEqual([]);
  });
});
