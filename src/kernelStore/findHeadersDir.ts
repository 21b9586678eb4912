// Where kbuild can find headers for a release (for `guru build --kernel R`):
// the system's own locations first, then guru's kernel store.
import fs from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';
import { listStoredKernels } from './kernelStore.js';

/** Candidate folders in the order they are tried; the store's comes last. */
export function headersDirCandidates(release: string): string[] {
  const stored = listStoredKernels().find((k) => k.release === release)?.headersDir;
  return [`/lib/modules/${release}/build`, `/usr/src/linux-headers-${release}`, ...(stored ? [stored] : [])];
}

/** A kbuild KDIR for RELEASE, or undefined if none is installed or stored. */
export function findHeadersDir(release: string): string | undefined {
  return headersDirCandidates(release).find((dir) => headersRelease(dir) === release);
}

/** findHeadersDir, or an error that says how to get the headers. */
export function requireHeadersDir(release: string): string {
  const dir = findHeadersDir(release);
  if (dir) return dir;
  throw new EnvironmentError(
    `no kernel headers for ${release} (looked in ${headersDirCandidates(release).join(', ')} and guru's kernel store)`,
    `guru kernel add ${release}   (or: apt-get install linux-headers-${release})`,
  );
}

/** UTS_RELEASE of a headers folder: proves the folder is complete and for that release. */
export function headersRelease(dir: string): string | undefined {
  try {
    const text = fs.readFileSync(path.join(dir, 'include', 'generated', 'utsrelease.h'), 'utf8');
    if (!fs.existsSync(path.join(dir, 'Makefile'))) return undefined;
    return /UTS_RELEASE\s+"([^"]+)"/.exec(text)?.[1];
  } catch {
    return undefined;
  }
}
