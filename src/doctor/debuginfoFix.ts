// How to get a kernel's debug information (vmlinux with DWARF, for
// statement probes) on the distributions guru knows: one command line each,
// for the exact running release. Elsewhere, guru's own kernel store is the
// way that always works.
import type { OsRelease } from './osRelease.js';
import { distroFamily } from './osRelease.js';

/** The store route: a Debian kernel with debuginfo, used with --kernel or --vm. */
export const STORE_DEBUGINFO_FIX = 'guru kernel add debian:6.1 --debuginfo, then --kernel debian:6.1 or --vm debian:6.1';

/**
 * Whether RELEASE looks like a kernel the distribution built (its release
 * suffixes): only then does its package archive hold the debug symbols.
 */
function isDistroKernel(family: ReturnType<typeof distroFamily>, release: string): boolean {
  switch (family) {
    case 'debian':
      return /-(amd64|arm64|686(-pae)?|cloud-amd64|cloud-arm64|rt-amd64|rt-arm64)$/.test(release);
    case 'ubuntu':
      return /-(generic|lowlatency|aws|azure|gcp|gke|oracle|kvm|virtual|ibm|nvidia|raspi)(-[a-z0-9]+)?$/.test(release);
    case 'fedora':
      return /\.(fc|el)\d+/.test(release);
    case 'other':
      return false;
  }
}

export function debuginfoFix(os: OsRelease, release: string): string {
  const family = distroFamily(os);
  if (family !== 'other' && !isDistroKernel(family, release)) {
    return `${release} is not a kernel ${os.prettyName ?? family} built, so its archive has no debug symbols for it: install the vmlinux with DWARF of this build as /usr/lib/debug/boot/vmlinux-${release} (or pass --debuginfo PATH), or: ${STORE_DEBUGINFO_FIX}`;
  }
  switch (family) {
    case 'debian':
      return `apt-get install linux-image-${release}-dbg (or: ${STORE_DEBUGINFO_FIX})`;
    case 'ubuntu': {
      // Ubuntu's kernel debug symbols are in the ddebs archive, not the main one.
      const codename = os.codename ?? '$(. /etc/os-release; echo $VERSION_CODENAME)';
      return (
        `enable the ddebs archive and install the -dbgsym package: ` +
        `echo "deb http://ddebs.ubuntu.com ${codename} main restricted universe multiverse" > /etc/apt/sources.list.d/ddebs.list && ` +
        `echo "deb http://ddebs.ubuntu.com ${codename}-updates main restricted universe multiverse" >> /etc/apt/sources.list.d/ddebs.list && ` +
        `apt-get install ubuntu-dbgsym-keyring && apt-get update && apt-get install linux-image-${release}-dbgsym`
      );
    }
    case 'fedora':
      return `dnf debuginfo-install kernel-${release}`;
    case 'other':
      return `install your distribution's kernel debug symbols (vmlinux with DWARF) as /usr/lib/debug/boot/vmlinux-${release}, or pass --debuginfo PATH; or: ${STORE_DEBUGINFO_FIX}`;
  }
}
