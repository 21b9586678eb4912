// Where the DWARF of a user binary is: in the file itself (built with -g),
// or in the separate debug file Debian's -dbgsym packages (and -dbg ones
// such as libc6-dbg) install under /usr/lib/debug/.build-id/, named by the
// binary's GNU build-id, as gdb and SystemTap look for it. A debug file
// found by build-id describes the very same build, so its addresses are
// the binary's.
import fs from 'node:fs';
import path from 'node:path';
import { DwarfInfo } from '../../debuginfo/dwarf/dwarfInfo.js';
import { DebugInfoError } from '../../debuginfo/debugInfoError.js';
import { debugPackageHint, dpkgHostPackages, type HostPackages } from '../../debuginfo/debugPackages.js';
import { openElf } from '../../debuginfo/elf.js';

export const BUILD_ID_DEBUG_DIR = '/usr/lib/debug/.build-id';

export type UserDebuginfo = { path: string; dwarf: DwarfInfo } | { why: string; hint: string };

/** /usr/lib/debug/.build-id/ab/cdef....debug for build-id abcdef.... */
export function buildIdDebugPath(buildId: string, root = BUILD_ID_DEBUG_DIR): string {
  return path.join(root, buildId.slice(0, 2), `${buildId.slice(2)}.debug`);
}

function hasDebugInfo(file: string): boolean {
  const elf = openElf(file);
  try {
    return elf.sections.some((s) => s.name === '.debug_info' && s.size > 0 && s.type !== SHT_NOBITS);
  } finally {
    elf.close();
  }
}

/** A stripped debug file keeps section headers for code it does not hold. */
const SHT_NOBITS = 8;

/**
 * The file with the DWARF describing BINARY (whose build-id is BUILD_ID, if
 * it has one), or why there is none and which package has it (HOST: dpkg
 * and apt).
 */
export function findUserDebugFile(binary: string, buildId: string | undefined, root = BUILD_ID_DEBUG_DIR, host: HostPackages = dpkgHostPackages): { path: string } | { why: string; hint: string } {
  const candidates = [binary, ...(buildId ? [buildIdDebugPath(buildId, root)] : [])];
  for (const file of candidates) {
    if (file !== binary && !fs.existsSync(file)) continue;
    try {
      if (hasDebugInfo(file)) return { path: file };
    } catch (err) {
      if (err instanceof DebugInfoError) return { why: `the debug information in ${file} cannot be read: ${err.message}`, hint: 'rebuild with gcc -g' };
      throw err;
    }
  }
  const separate = buildId ? `, and there is no ${buildIdDebugPath(buildId, root)}` : ' and no build-id to find a separate debug file by';
  return {
    why: `no debuginfo for ${binary}: it has no .debug_info${separate}`,
    hint: debugPackageHint(binary, buildId ? buildIdDebugPath(buildId, root) : undefined, host),
  };
}

/** The DWARF describing BINARY (findUserDebugFile), opened, or why there is none. */
export function openUserDebuginfo(binary: string, buildId: string | undefined, root = BUILD_ID_DEBUG_DIR, host: HostPackages = dpkgHostPackages): UserDebuginfo {
  const found = findUserDebugFile(binary, buildId, root, host);
  if ('why' in found) return found;
  try {
    return { path: found.path, dwarf: DwarfInfo.open(found.path) };
  } catch (err) {
    if (err instanceof DebugInfoError) return { why: `the debug information in ${found.path} cannot be read: ${err.message}`, hint: 'rebuild with gcc -g' };
    throw err;
  }
}
