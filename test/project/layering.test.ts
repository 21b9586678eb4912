// The folders of src/ form layers: imports between folders never go round
// in a cycle (docs/architecture.md draws the layers). Type-only imports
// count too: a type belongs in the lower folder, beside what uses it.
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.resolve('src');

/** A file's node: its folder under src/, or the file itself at the top (cli.ts, errors.ts). */
function nodeOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? rel[0]! : rel[0]!.replace(/\.ts$/, '');
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Folder → the folders it imports from. */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = nodeOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)) {
      const to = nodeOf(path.resolve(path.dirname(file), m[1]!.replace(/\.js$/, '.ts')));
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as a path `a -> b -> a`. */
function cycles(graph: Map<string, Set<string>>): string[] {
  const found = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of [...(graph.get(n) ?? [])].sort()) {
      if (state.get(m) === 'open') found.add([...stack.slice(stack.indexOf(m)), m].join(' -> '));
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return [...found];
}

test('the folders of src/ import each other without cycles', () => {
  const graph = folderGraph();
  expect(graph.size).toBeGreaterThan(10);
  expect(cycles(graph)).toEqual([]);
});

test('the cycle finder finds a cycle', () => {
  const graph = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])]]);
  expect(cycles(graph)).toEqual(['a -> b -> c -> a']);
});

test('only the command line imports the commands', () => {
  const importers = [...folderGraph()].filter(([, to]) => to.has('commands')).map(([from]) => from);
  expect(importers).toEqual(['cli']);
});
