// `npm ci` on a fresh clone needs a package-lock.json that lists every
// optional dependency of every locked package, other platforms' native
// bindings included (@unrs/resolver-binding-darwin-arm64 for jest's resolver
// on Linux too). An `npm install` run with node_modules present writes only
// the bindings installed on that machine (npm/cli#4828), and npm ci then
// refuses the lock as out of sync. Regenerate it from a clean tree:
//   rm -rf node_modules package-lock.json && npm install
import fs from 'node:fs';

interface LockedPackage {
  version?: string;
  optionalDependencies?: Record<string, string>;
}

const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8')) as { lockfileVersion: number; packages: Record<string, LockedPackage> };

/** Where node would find NAME from the package at PATH: its own node_modules, then each parent's. */
function resolveFrom(path: string, name: string): string | undefined {
  let at = path;
  for (;;) {
    const candidate = `${at ? `${at}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!at) return undefined;
    const up = at.lastIndexOf('/node_modules/');
    at = up < 0 ? '' : at.slice(0, up);
  }
}

test('package-lock.json locks every optional dependency, for every platform', () => {
  expect(lock.lockfileVersion).toBe(3);
  const missing: string[] = [];
  for (const [path, pkg] of Object.entries(lock.packages)) {
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) {
      if (!resolveFrom(path, dep)) missing.push(`${dep} (optional dependency of ${path || 'the project'})`);
    }
  }
  expect(missing).toEqual([]);
});
