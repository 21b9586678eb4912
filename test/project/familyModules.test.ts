// A probe family is its folder under src/probeFamilies plus its row in the
// registry (docs/architecture.md, "Adding a family"): nothing else in src/
// imports from a family's folder, so the pipeline reaches a family through
// the registry's table only. The statement family's two exceptions predate
// this rule and are listed here so that no new one comes in unnoticed.
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.resolve('src');
const FAMILIES = path.join(SRC, 'probeFamilies');
const REGISTRY = path.join(FAMILIES, 'registry.ts');

/** Older imports of a family's folder from outside it, and why. */
const KNOWN: Record<string, string[]> = {
  statement: [
    'src/probeFamilies/kernelFunctionSite.ts', // sameFile: kprobe:FUNC@FILE matches DWARF file names as statement probes do
    'src/render/emitC.ts', // localAccessor: a statement local is read through its probe's accessor function
  ],
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The src/ files outside FOLDER that import a file inside it. */
function importersOf(folder: string): string[] {
  const out: string[] = [];
  for (const file of sourceFiles(SRC)) {
    if (file.startsWith(folder + path.sep) || file === REGISTRY) continue;
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)) {
      const to = path.resolve(path.dirname(file), m[1]!);
      if (to.startsWith(folder + path.sep)) {
        out.push(path.relative(path.dirname(SRC), file));
        break;
      }
    }
  }
  return out.sort();
}

const folders = fs.readdirSync(FAMILIES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

test('the families with a folder of their own are found', () => {
  expect(folders).toEqual(expect.arrayContaining(['statement', 'tracepoint', 'uprobe']));
});

test.each(folders)("only the registry imports from src/probeFamilies/%s", (name) => {
  expect(importersOf(path.join(FAMILIES, name))).toEqual(KNOWN[name] ?? []);
});
