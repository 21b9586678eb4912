// Which file a uprobe's PATH names: an absolute path, a path relative to
// the working directory (`./trace`), a bare library name (`libc.so.6`)
// found as the dynamic loader finds it (its cache, then the default
// directories), or a path with `*` in its components
// (`/usr/lib/*/libc.so.6`, as a shell expands it: `*` never crosses a `/`)
// that must match exactly one file (symlinks to one file count once): a
// probe sits on one binary, whose symbols and bytes guru read. guru reads the file's symbols where it builds; the module
// finds the same path on the target and checks it holds the same bytes.
import fs from 'node:fs';
import path from 'node:path';
import { nearestName } from '../../diagnostics/nearestName.js';
import { globToRegExp } from '../kprobeFunctions.js';
import { readLdSoCache } from './ldSoCache.js';

/** Where ld.so looks when its cache has no entry (glibc's system directories on x86-64 Debian). */
const DEFAULT_LIBRARY_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib'];

export type FoundBinary = { path: string } | { message: string; hint: string };

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The binary SPEC names, as an absolute path with symlinks resolved, or why there is none. */
export function findUserBinary(spec: string, cwd = process.cwd(), ldCache = readLdSoCache()): FoundBinary {
  if (spec.includes('*')) return globUserBinary(spec, cwd);
  if (spec.includes('/')) {
    const abs = path.resolve(cwd, spec);
    if (isFile(abs)) return { path: fs.realpathSync(abs) };
    return { message: `no file ${abs}${path.isAbsolute(spec) ? '' : ` (${spec} relative to ${cwd})`}`, hint: 'name the executable or library the probed programs run' };
  }
  const cached = ldCache.get(spec);
  if (cached && isFile(cached)) return { path: fs.realpathSync(cached) };
  for (const dir of DEFAULT_LIBRARY_DIRS) {
    const p = path.join(dir, spec);
    if (isFile(p)) return { path: fs.realpathSync(p) };
  }
  const near = nearestName(spec, [...ldCache.keys()]);
  return {
    message: `no library ${spec} where the dynamic loader looks (ld.so.cache, ${DEFAULT_LIBRARY_DIRS.join(', ')})`,
    hint: near ? `did you mean ${near}? (or give the path: ./${spec} for a file here)` : `give the path: ./${spec} for a file here, or an absolute path`,
  };
}

/** The one file the glob SPEC (a path with `*` in some components) matches, or why not exactly one. */
function globUserBinary(spec: string, cwd: string): FoundBinary {
  if (!spec.includes('/')) {
    return { message: `a library name cannot hold a wildcard: ${spec}`, hint: 'give a path with the wildcard in it, such as /usr/lib/*/libc.so.6, or the library\'s name, such as libc.so.6' };
  }
  const abs = path.resolve(cwd, spec);
  let dirs = ['/'];
  for (const part of abs.split('/').filter(Boolean)) {
    const re = part.includes('*') ? globToRegExp(part) : undefined;
    const next: string[] = [];
    for (const d of dirs) {
      if (!re) {
        next.push(path.join(d, part));
        continue;
      }
      let names: string[] = [];
      try {
        names = fs.readdirSync(d);
      } catch {
        continue;
      }
      // As a shell does: `*` does not match a leading dot.
      for (const n of names.sort()) if (re.test(n) && !(n.startsWith('.') && !part.startsWith('.'))) next.push(path.join(d, n));
    }
    dirs = next;
  }
  const files = new Map<string, string>();
  for (const p of dirs) if (isFile(p) && !files.has(fs.realpathSync(p))) files.set(fs.realpathSync(p), p);
  if (files.size === 1) return { path: [...files.keys()][0]! };
  if (files.size === 0) return { message: `no file matches ${abs}${path.isAbsolute(spec) ? '' : ` (${spec} relative to ${cwd})`}`, hint: 'name the executable or library the probed programs run' };
  const shown = [...files.values()];
  return {
    message: `${spec} matches ${files.size} files (${shown.slice(0, 6).join(', ')}${shown.length > 6 ? ', ...' : ''}); a uprobe's path must name one`,
    hint: `name one of them, or write a probe for each: uprobe:${shown[0]}:FUNC`,
  };
}
