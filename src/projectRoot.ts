// Where guru's own files (templates/, kmod/, package.json) are, whether
// running from src/ under jest, from dist/src/ after tsc or from the bundle
// dist/guru.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function projectRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'templates', 'module.c.hbs'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find guru\'s templates/ directory');
    dir = up;
  }
  root = dir;
  return root;
}

/** guru's version, from its package.json. */
export function guruVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
