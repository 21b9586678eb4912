// Where a kernel's BTF is (the type information behind named, typed kprobe
// arguments), without booting it. Every candidate describes the same build
// as the headers guru compiles against, so its prototypes are the ones the
// probes will meet.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openElf } from '../debuginfo/elf.js';
import { debuginfoCandidates } from '../debuginfo/findDebuginfo.js';
import { findStoredKernel } from '../kernelStore/resolveKernel.js';

/** The running kernel's BTF (CONFIG_DEBUG_INFO_BTF). */
export const RUNNING_KERNEL_BTF = '/sys/kernel/btf/vmlinux';


/** True when FILE is an ELF file with a .BTF section (reads only its section headers). */
function elfHasBtf(file: string): boolean {
  try {
    const elf = openElf(file);
    try {
      return elf.section('.BTF') !== undefined;
    } finally {
      elf.close();
    }
  } catch {
    return false;
  }
}

/**
 * The BTF file of RELEASE, or undefined. Small files come first: the
 * running kernel's raw BTF and the BTF-only `vmlinux` Debian ships in
 * 6.12 headers (~5 MB); then the uncompressed image in guru's kernel store,
 * whose `.BTF` section is the same data inside a 65 MB ELF; then distribution
 * debuginfo, which also carries `.BTF`.
 */
export function findBtfFile(release: string, headersDir?: string): string | undefined {
  if (release === os.release() && fs.existsSync(RUNNING_KERNEL_BTF)) return RUNNING_KERNEL_BTF;
  const stored = findStoredKernel(release);
  const candidates = [
    ...(headersDir ? [path.join(headersDir, 'vmlinux')] : []),
    ...(stored?.pvhImage ? [stored.pvhImage] : []),
    ...(stored?.debuginfo ? [stored.debuginfo.vmlinux] : []),
    ...debuginfoCandidates(release),
    `/boot/vmlinux-${release}`,
  ];
  return candidates.find((f) => fs.existsSync(f) && elfHasBtf(f));
}
