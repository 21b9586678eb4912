// Which kernel a command resolves and builds against (DESIGN §3: `--kernel
// R` or `--kdir DIR`; default the running kernel), and where its headers are.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError, UserError } from '../errors.js';

export interface KernelTarget {
  release: string;
  /** kbuild's KDIR. */
  headersDir: string;
  systemMap?: string;
}

/** `UTS_RELEASE` of a kernel build directory. */
export function releaseOfHeaders(dir: string): string | undefined {
  const f = path.join(dir, 'include/generated/utsrelease.h');
  if (!fs.existsSync(f)) return undefined;
  return /UTS_RELEASE\s+"([^"]+)"/.exec(fs.readFileSync(f, 'utf8'))?.[1];
}

/** Header directories kbuild can use for `release`, most specific first. */
export function headerCandidates(release: string): string[] {
  return [`/lib/modules/${release}/build`, `/usr/src/linux-headers-${release}`];
}

/** Releases whose headers are installed where headerCandidates() looks. */
export function installedHeaderReleases(): string[] {
  const found = new Set<string>();
  for (const dir of ['/usr/src']) {
    if (!fs.existsSync(dir)) continue;
    for (const e of fs.readdirSync(dir)) {
      const m = /^linux-headers-(.+)$/.exec(e);
      if (m && releaseOfHeaders(path.join(dir, e)) === m[1]) found.add(m[1]);
    }
  }
  return [...found].sort();
}

function systemMapFor(release: string): string | undefined {
  for (const f of [`/boot/System.map-${release}`, `/lib/modules/${release}/System.map`]) {
    if (fs.existsSync(f)) return f;
  }
  if (release === os.release() && fs.existsSync('/proc/kallsyms')) return '/proc/kallsyms';
  return undefined;
}

export interface KernelTargetOptions {
  kernel?: string;
  kdir?: string;
}

export function resolveKernelTarget(opts: KernelTargetOptions): KernelTarget {
  if (opts.kdir) {
    const dir = path.resolve(opts.kdir);
    const release = releaseOfHeaders(dir);
    if (!release) throw new UserError(`${opts.kdir} is not a kernel build directory (no include/generated/utsrelease.h)`, 'pass the directory that /lib/modules/RELEASE/build points to');
    if (opts.kernel && opts.kernel !== release) throw new UserError(`--kdir ${opts.kdir} holds ${release}, not ${opts.kernel}`);
    return { release, headersDir: dir, systemMap: systemMapFor(release) };
  }
  const release = opts.kernel ?? os.release();
  for (const dir of headerCandidates(release)) {
    if (releaseOfHeaders(dir) === release) return { release, headersDir: fs.realpathSync(dir), systemMap: systemMapFor(release) };
  }
  const installed = installedHeaderReleases();
  const which = opts.kernel ? `kernel ${release}` : `the running kernel (${release})`;
  throw new EnvironmentError(
    `no headers for ${which}: looked in ${headerCandidates(release).join(', ')}`,
    installed.length
      ? `headers are installed for: ${installed.join(', ')}; pass --kernel ${installed[installed.length - 1]}`
      : `install them: apt-get install linux-headers-${release}`,
  );
}
