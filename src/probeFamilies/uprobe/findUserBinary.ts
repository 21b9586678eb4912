// Which file a uprobe's PATH names: an absolute path, a path relative to
// the working directory (`./trace`), or a bare library name (`libc.so.6`)
// found as the dynamic loader finds it (its cache, then the default
// directories). guru reads the file's symbols where it builds; the module
// finds the same path on the target and checks it holds the same bytes.
import fs from 'node:fs';
import path from 'node:path';
import { nearestName } from '../../diagnostics/nearestName.js';
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
  if (spec.includes('*')) {
    return { message: `wildcards in a uprobe's path are not supported yet: ${spec}`, hint: 'name one file: an absolute path, ./relative, or a library name such as libc.so.6' };
  }
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
