// A probe family is its folder under src/probeFamilies plus its row in the
// registry (docs/architecture.md, "Adding a family"): nothing else in src/
// imports from a family's folder, so the pipeline reaches a family through
// the registry's table only. Two exceptions predate this rule and are
// listed here so that no new one comes in unnoticed. sourceLine/ is no
// family: it is what the statement family and the uprobe family's user
// statements share (a source line resolved through DWARF), imported by them.
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.resolve('src');
const FAMILIES = path.join(SRC, 'probeFamilies');
const REGISTRY = path.join(FAMILIES, 'registry.ts');

/** Older imports of a family's folder from outside it, and why. */
const KNOWN: Record<string, string[]> = {
  sourceLine: [
    'src/probeFamilies/kernelFunctionSite.ts', // sameFile: kprobe:FUNC@FILE matches DWARF file names as statement probes do
    'src/render/emitC.ts', // localAccessor: a statement local is read through its probe's accessor function
  ],
};

/** Folders of shared code, not families, and the families that import them. */
const SHARED: Record<string, string[]> = { sourceLine: ['statement', 'uprobe'] };

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The src/ files outside FOLDER that import a file inside it. */
function importersOf(folder: string, sharedWith: string[] = []): string[] {
  const out: string[] = [];
  for (const file of sourceFiles(SRC)) {
    if (file.startsWith(folder + path.sep) || file === REGISTRY) continue;
    if (sharedWith.some((f) => file.startsWith(path.join(FAMILIES, f) + path.sep))) continue;
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

const folders = fs.readdirSync(FAMILIES, { withFileTypes: true }).filter((e) => e.isDirectory() && !(e.name in SHARED)).map((e) => e.name);

test('the families with a folder of their own are found', () => {
  expect(folders).toEqual(expect.arrayContaining(['statement', 'tracepoint', 'uprobe']));
});

test.each(folders)("only the registry imports from src/probeFamilies/%s", (name) => {
  expect(importersOf(path.join(FAMILIES, name))).toEqual(KNOWN[name] ?? []);
});

test.each(Object.keys(SHARED))('src/probeFamilies/%s is imported by the families that share it, and the known exceptions', (name) => {
  expect(importersOf(path.join(FAMILIES, name), SHARED[name])).toEqual(KNOWN[name] ?? []);
});
