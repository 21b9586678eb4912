// Part of `npm run build`, after tsc: dist/guru.mjs, the CLI and the npm
// packages it imports in one ES module file, which bin/guru.js runs.
//
// Why: node resolves and reads every module of an import graph file by file,
// and guru's is ~140 files (yargs, yaml, handlebars, execa, guru's own).
// Where files are slow to reach that is most of guru's start-up: in a TCG
// guest reading the checkout over 9p, `guru ps` took 4.1-4.8 s from
// dist/src and 1.7-2.2 s from one bundle (5 rounds interleaved in one boot,
// `node -e 0` 0.4-0.5 s). Not minified: stack traces of internal errors keep
// guru's names.
//
// dist/src stays the source of the bundle (what tsc checked and emitted),
// and what jest's tests import is src/ itself, not this file.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [path.join(root, 'dist', 'src', 'cli.js')],
  outfile: path.join(root, 'dist', 'guru.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS packages in the bundle (yargs' helpers, handlebars) call
  // require(); an ES module has none, so give the bundle one.
  banner: { js: "import { createRequire as __guruCreateRequire } from 'node:module';\nconst require = __guruCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
