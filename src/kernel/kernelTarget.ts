// Which kernel a command resolves and builds against (DESIGN §3: `--kernel K`
// or `--kdir DIR`; default the running kernel), where its headers are, and
// where its symbol list and BTF are. K is a release or a kernel-store ref such as
// debian:6.1 (added to the store on first use).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError, UserError } from '../errors.js';
import { findBtfFile } from './btfLocation.js';
import { ensureKernel } from '../kernels/ensureKernel.js';
import { findHeadersDir, requireHeadersDir } from '../kernels/findHeadersDir.js';
import { parseKernelRef } from '../kernels/kernelRef.js';
import { findStoredKernel } from '../kernels/resolveKernel.js';
import type { StoredKernel } from '../kernels/storedKernel.js';
import { terminalProgress } from '../kernels/storeProgress.js';

export interface KernelTarget {
  release: string;
  /** kbuild's KDIR. */
  headersDir: string;
  /** A real symbol list (System.map or kallsyms), if one is known. */
  systemMap?: string;
  /** The kernel's BTF (named, typed kprobe arguments), if one is known. */
  btf?: string;
}

/** `UTS_RELEASE` of a kernel build directory. */
export function releaseOfHeaders(dir: string): string | undefined {
  const f = path.join(dir, 'include/generated/utsrelease.h');
  if (!fs.existsSync(f)) return undefined;
  return /UTS_RELEASE\s+"([^"]+)"/.exec(fs.readFileSync(f, 'utf8'))?.[1];
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
export function storedKernelTarget(k: StoredKernel): KernelTarget {
  return { release: k.release, headersDir: k.headersDir, systemMap: k.systemMap, btf: findBtfFile(k.release, k.headersDir) };
}

export interface KernelTargetOptions {
  kernel?: string;
  kdir?: string;
}

export async function resolveKernelTarget(opts: KernelTargetOptions): Promise<KernelTarget> {
  if (opts.kdir) {
    const dir = path.resolve(opts.kdir);
    const release = releaseOfHeaders(dir);
    if (!release) throw new UserError(`${opts.kdir} is not a kernel build directory (no include/generated/utsrelease.h)`, 'pass the directory that /lib/modules/RELEASE/build points to');
    if (opts.kernel && opts.kernel !== release) throw new UserError(`--kdir ${opts.kdir} holds ${release}, not ${opts.kernel}`);
    return { release, headersDir: dir, systemMap: systemMapFor(release), btf: findBtfFile(release, dir) };
  }
  if (opts.kernel && parseKernelRef(opts.kernel).kind === 'series') {
    const k = await ensureKernel(opts.kernel, { progress: process.stderr.isTTY ? terminalProgress() : undefined });
    return storedKernelTarget(k);
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
  return { release, headersDir: realHeaders, systemMap: systemMapFor(release), btf: findBtfFile(release, realHeaders) };
}

/** Releases whose headers are installed under /usr/src. */
export function installedHeaderReleases(): string[] {
  const found = new Set<string>();
  if (fs.existsSync('/usr/src')) {
    for (const e of fs.readdirSync('/usr/src')) {
      const m = /^linux-headers-(.+)$/.exec(e);
      if (m && releaseOfHeaders(path.join('/usr/src', e)) === m[1]) found.add(m[1]);
    }
  }
  return [...found].sort();
}
