// guru --version prints the version in package.json, from the bundle
// bin/guru.js runs (dist/guru.mjs, written by npm run build).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

test('guru --version prints package.json\'s version and exits 0', () => {
  if (!fs.existsSync(path.resolve('dist/guru.mjs'))) throw new Error('guru is not built; fix: npm run build');
  const { version } = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
  const r = spawnSync(process.execPath, [path.resolve('bin/guru.js'), '--version'], { encoding: 'utf8' });
  expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
});
