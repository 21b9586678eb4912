// Which kernel a command resolves and builds against (docs/cli.md: `--kernel K`
// or `--kdir DIR`; default the running kernel), where its headers are, and
// where its symbol list and BTF are. K is a release or a kernel-store ref such as
// debian:6.1 (added to the store on first use).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildIdFromNotesFile } from '../debuginfo/elfNotes.js';
import type { ExpectedBuildId } from '../debuginfo/findDebuginfo.js';
import { EnvironmentError, UserError } from '../errors.js';
import { findBtfFile } from './btfLocation.js';
import { findHeadersDir, headersRelease, requireHeadersDir } from '../kernelStore/findHeadersDir.js';
import { parseKernelRef } from '../kernelStore/kernelRef.js';
import { findStoredKernel } from '../kernelStore/resolveKernel.js';
import type { StoredKernel } from '../kernelStore/storedKernel.js';

export interface KernelTarget {
  release: string;
  /** kbuild's KDIR. */
  headersDir: string;
  /** A build root whose toolchain kbuild must use for this kernel (a newer Debian's gcc and glibc), if this machine's falls short. */
  buildRoot?: string;
  /** A real symbol list (System.map or kallsyms), if one is known. */
  systemMap?: string;
  /** The kernel's BTF (named, typed kprobe arguments), if one is known. */
  btf?: string;
  /** The kernel image as an ELF file with its data (the store's uncompressed vmlinux): static tables such as the trace events. */
  image?: string;
  /** Where its loadable modules (.ko) are: lib/modules/RELEASE. */
  modulesDir?: string;
  /** Statement probes: --debuginfo PATH, the vmlinux with DWARF to use. */
  debuginfo?: string;
  /** Statement probes: the kernel store's vmlinux with DWARF for this kernel. */
  storedDebuginfo?: string;
  /** The target kernel's build-id, which its debuginfo must have. */
  buildId?: ExpectedBuildId;
  /** How to get debuginfo for this kernel (a command), for messages. */
  debuginfoFix?: string;
}

/**
 * Where the target's build-id comes from: the store records it for stored
 * kernels; the running kernel exports it in /sys/kernel/notes.
 */
function debuginfoFacts(release: string, stored: StoredKernel | undefined, explicit: string | undefined): Pick<KernelTarget, 'debuginfo' | 'storedDebuginfo' | 'buildId' | 'debuginfoFix'> {
  let buildId: ExpectedBuildId | undefined;
  if (stored) buildId = { value: stored.buildId, source: `${stored.ref ?? stored.release} in guru's kernel store` };
  else if (release === os.release()) {
    try {
      const id = buildIdFromNotesFile('/sys/kernel/notes');
      if (id) buildId = { value: id, source: 'the running kernel (/sys/kernel/notes)' };
    } catch {
      // Unreadable notes: the build-id stays unknown and debuginfo is refused with that reason.
    }
  }
  const fix = stored
    ? `guru kernel add ${stored.ref ?? stored.release} --debuginfo`
    : `apt-get install linux-image-${release}-dbg, or --debuginfo PATH, or use a stored kernel: guru kernel add debian:6.1 --debuginfo`;
  return { debuginfo: explicit, storedDebuginfo: stored?.debuginfo?.vmlinux, buildId, debuginfoFix: fix };
}

/**
 * A System.map worth reading: Debian's /boot/System.map is an 83-byte
 * placeholder, so the store's (captured from the kernel itself) comes first.
 */
function systemMapFor(release: string): string | undefined {
  const stored = findStoredKernel(release)?.systemMap;
  if (stored && fs.existsSync(stored)) return stored;
  for (const f of [`/boot/System.map-${release}`, `/lib/modules/${release}/System.map`]) {
    if (fs.existsSync(f) && fs.statSync(f).size > 4096) return f;
  }
  if (release === os.release() && fs.existsSync('/proc/kallsyms')) return '/proc/kallsyms';
  return undefined;
}

/** A kernel from guru's store as a target (what `--vm K` builds for). */
export function storedKernelTarget(k: StoredKernel, debuginfo?: string): KernelTarget {
  return {
    release: k.release,
    headersDir: k.headersDir,
    buildRoot: storedBuildRoot(k),
    systemMap: k.systemMap,
    btf: findBtfFile(k.release, k.headersDir),
    image: k.pvhImage,
    modulesDir: k.modulesDir,
    ...debuginfoFacts(k.release, k, debuginfo),
  };
}

/** The build root a stored kernel's modules build in, which must be there. */
function storedBuildRoot(k: StoredKernel): string | undefined {
  if (!k.buildRoot) return undefined;
  if (!fs.existsSync(k.buildRoot.dir)) {
    throw new EnvironmentError(
      `${k.release} builds modules in the build root ${k.buildRoot.name} (${k.toolchain?.compiler ?? 'its own compiler'}), which is missing from ${k.buildRoot.dir}`,
      `make it again: guru kernel add ${k.ref ?? k.release}`,
    );
  }
  return k.buildRoot.dir;
}

export interface KernelTargetOptions {
  kernel?: string;
  kdir?: string;
  /** --debuginfo PATH (statement probes). */
  debuginfo?: string;
}

export async function resolveKernelTarget(opts: KernelTargetOptions): Promise<KernelTarget> {
  if (opts.kdir) {
    const dir = path.resolve(opts.kdir);
    const release = headersRelease(dir);
    if (!release) throw new UserError(`${opts.kdir} is not a kernel build directory (no include/generated/utsrelease.h)`, 'pass the directory that /lib/modules/RELEASE/build points to');
    if (opts.kernel && opts.kernel !== release) throw new UserError(`--kdir ${opts.kdir} holds ${release}, not ${opts.kernel}`);
    const stored = findStoredKernel(release);
    const fromStore = stored !== undefined && fs.realpathSync(stored.headersDir) === fs.realpathSync(dir);
    return {
      release,
      headersDir: dir,
      buildRoot: fromStore ? storedBuildRoot(stored) : undefined,
      systemMap: systemMapFor(release),
      btf: findBtfFile(release, dir),
      image: fromStore ? stored.pvhImage : undefined,
      modulesDir: fromStore ? stored.modulesDir : modulesDirFor(release),
      ...debuginfoFacts(release, stored, opts.debuginfo),
    };
  }
  if (opts.kernel && parseKernelRef(opts.kernel).kind !== 'release') {
    // The store's add path (apt, execa, ora, a VM boot) loads only when a kernel is named (debian:7.3).
    const { ensureKernel } = await import('../kernelStore/ensureKernel.js');
    const { terminalProgress } = await import('../kernelStore/storeProgress.js');
    const k = await ensureKernel(opts.kernel, { progress: terminalProgress() });
    return storedKernelTarget(k, opts.debuginfo);
  }
  const release = opts.kernel ?? os.release();
  const headersDir = opts.kernel ? requireHeadersDir(release) : findHeadersDir(release);
  if (!headersDir) {
    throw new EnvironmentError(
      `no headers for the running kernel (${release})`,
      `install them (apt-get install linux-headers-${release}), or target another kernel: --kernel debian:6.1`,
    );
  }
  const realHeaders = fs.realpathSync(headersDir);
  const stored = findStoredKernel(release);
  // The store's own headers come with the store's toolchain (a build root, for kernels that need one).
  const fromStore = stored !== undefined && fs.realpathSync(stored.headersDir) === realHeaders;
  return {
    release,
    headersDir: realHeaders,
    buildRoot: fromStore ? storedBuildRoot(stored) : undefined,
    systemMap: systemMapFor(release),
    btf: findBtfFile(release, realHeaders),
    image: stored?.pvhImage,
    modulesDir: stored?.modulesDir ?? modulesDirFor(release),
    ...debuginfoFacts(release, stored, opts.debuginfo),
  };
}

/** The installed modules of RELEASE (/lib/modules/RELEASE), when they are there. */
function modulesDirFor(release: string): string | undefined {
  const dir = `/lib/modules/${release}`;
  return fs.existsSync(path.join(dir, 'modules.dep')) ? dir : undefined;
}

/** Releases whose headers are installed under /usr/src. */
export function installedHeaderReleases(): string[] {
  const found = new Set<string>();
  if (fs.existsSync('/usr/src')) {
    for (const e of fs.readdirSync('/usr/src')) {
      const m = /^linux-headers-(.+)$/.exec(e);
      if (m && headersRelease(path.join('/usr/src', e)) === m[1]) found.add(m[1]);
    }
  }
  return [...found].sort();
}
