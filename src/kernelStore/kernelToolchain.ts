// What building a module for a kernel needs from the machine, read from
// the kernel's own headers, and whether this machine has it.
//
// Debian builds each kernel with its release's compiler and ships kbuild's
// programs (modpost, objtool, resolve_btfids) linked against its glibc, so
// trixie's and later kernels want gcc-14 (sid's gcc-16) and glibc 2.38,
// which a Debian 12 machine lacks; kbuild also runs pahole on every module
// when the headers ship a vmlinux, and warns when its version differs from
// the one the kernel was built with. When this machine falls short, the
// kernel store provides a build root of the kernel's Debian release
// (buildRoots.ts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface KernelToolchain {
  /** The compiler kbuild runs, from CONFIG_CC_VERSION_TEXT: gcc-12, x86_64-linux-gnu-gcc-14. */
  compiler: string;
  /** gcc's major version (CONFIG_GCC_VERSION 140200 → 14). */
  gccMajor: number;
  /** The newest glibc symbol version kbuild's own programs need (modpost, objtool: 2.38 on trixie's kernels). */
  glibc?: string;
  /** pahole as kbuild compares it (v1.30 → 130), when kbuild runs it on modules (the headers ship a vmlinux and CONFIG_DEBUG_INFO_BTF_MODULES=y). */
  pahole?: number;
}

/** What a machine (or a build root) offers, as compared against a KernelToolchain. */
export interface ToolchainOffer {
  /** gcc's major version of COMPILER there, or undefined if it does not run. */
  gccMajor(compiler: string): number | undefined;
  glibc: string | undefined;
  pahole: number | undefined;
}

export function readKernelToolchain(headersDir: string, configText: string): KernelToolchain {
  const config = new Map<string, string>();
  for (const m of configText.matchAll(/^(CONFIG_[A-Z0-9_]+)=(.*)$/gm)) config.set(m[1], m[2].replace(/^"(.*)"$/, '$1'));
  const ccText = config.get('CONFIG_CC_VERSION_TEXT') ?? 'gcc';
  const gccVersion = Number(config.get('CONFIG_GCC_VERSION') ?? 0);
  const btfModules = config.get('CONFIG_DEBUG_INFO_BTF_MODULES') === 'y' && fs.existsSync(path.join(headersDir, 'vmlinux'));
  const pahole = Number(config.get('CONFIG_PAHOLE_VERSION') ?? 0);
  return {
    compiler: ccText.split(/\s/)[0],
    gccMajor: Math.floor(gccVersion / 10000),
    glibc: neededGlibc(headersDir),
    pahole: btfModules && pahole > 0 ? pahole : undefined,
  };
}

/** The highest GLIBC_x.y any ELF program under the headers' scripts/ and tools/ refers to. */
function neededGlibc(headersDir: string): string | undefined {
  let best: [number, number] | undefined;
  const visit = (dir: string, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && depth < 6) visit(p, depth + 1);
      if (!e.isFile()) continue;
      const data = readIfElf(p);
      if (!data) continue;
      for (const m of data.toString('latin1').matchAll(/GLIBC_2\.(\d+)/g)) {
        const v: [number, number] = [2, Number(m[1])];
        if (!best || v[1] > best[1]) best = v;
      }
    }
  };
  // scripts and tools are symlinks into linux-kbuild-X; follow them.
  for (const sub of ['scripts', 'tools']) {
    try {
      visit(fs.realpathSync(path.join(headersDir, sub)), 0);
    } catch {
      // A layout without one of them: nothing to read there.
    }
  }
  return best ? `${best[0]}.${best[1]}` : undefined;
}

function readIfElf(file: string): Buffer | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const magic = Buffer.alloc(4);
    if (fs.readSync(fd, magic, 0, 4, 0) !== 4 || magic.toString('latin1') !== '\x7fELF') return undefined;
  } finally {
    fs.closeSync(fd);
  }
  return fs.readFileSync(file);
}

/** Lines saying what OFFER lacks of NEED; empty when it can build the kernel's modules. */
export function toolchainGaps(need: KernelToolchain, offer: ToolchainOffer): string[] {
  const gaps: string[] = [];
  const major = offer.gccMajor(need.compiler);
  if (major === undefined) gaps.push(`${need.compiler} (gcc ${need.gccMajor}) is not installed`);
  else if (major !== need.gccMajor) gaps.push(`${need.compiler} is gcc ${major}, the kernel was built with gcc ${need.gccMajor}`);
  if (need.glibc && (!offer.glibc || compareGlibc(offer.glibc, need.glibc) < 0)) {
    gaps.push(`kbuild's programs (modpost, objtool) need glibc ${need.glibc}, ${offer.glibc ? `there is ${offer.glibc}` : 'none found'}`);
  }
  if (need.pahole !== undefined && offer.pahole !== need.pahole) {
    gaps.push(`kbuild runs pahole v${paholeText(need.pahole)} on every module (the kernel's own), ${offer.pahole ? `there is v${paholeText(offer.pahole)}` : 'pahole is not installed'}`);
  }
  return gaps;
}

export function paholeText(v: number): string {
  return `${Math.floor(v / 100)}.${String(v % 100).padStart(2, '0')}`;
}

function compareGlibc(a: string, b: string): number {
  const [a1, a2] = a.split('.').map(Number);
  const [b1, b2] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

/** Describe a toolchain in one line: "x86_64-linux-gnu-gcc-14, glibc ≥ 2.38, pahole v1.30". */
export function describeToolchain(t: KernelToolchain): string {
  return [t.compiler, t.glibc && `glibc ≥ ${t.glibc}`, t.pahole !== undefined && `pahole v${paholeText(t.pahole)}`].filter(Boolean).join(', ');
}

/** This machine's compilers, glibc and pahole; ROOT: the same, inside a build root (run through it). */
export function hostToolchain(): ToolchainOffer {
  return {
    gccMajor: (compiler) => {
      const r = spawnSync(compiler, ['-dumpversion'], { encoding: 'utf8' });
      if (r.error || r.status !== 0) return undefined;
      const major = Number(r.stdout.trim().split('.')[0]);
      return Number.isInteger(major) ? major : undefined;
    },
    glibc: /glibc\s+(\d+\.\d+)/.exec(spawnSync('getconf', ['GNU_LIBC_VERSION'], { encoding: 'utf8' }).stdout ?? '')?.[1],
    pahole: paholeOf(spawnSync('pahole', ['--version'], { encoding: 'utf8' }).stdout),
  };
}

function paholeOf(text: string | undefined): number | undefined {
  const m = /v?(\d+)\.(\d+)/.exec(text ?? '');
  return m ? Number(m[1]) * 100 + Number(m[2]) : undefined;
}

/**
 * What a build root offers, read from its files without running anything
 * in it: the compilers in usr/bin, glibc from libc.so.6's version
 * definitions, pahole from the dwarves package's version in dpkg's status.
 */
export function rootToolchain(root: string): ToolchainOffer {
  const status = readFile(path.join(root, 'var', 'lib', 'dpkg', 'status'));
  const versionOf = (pkg: string): string | undefined => new RegExp(`^Package: ${pkg.replace(/[+.]/g, '\\$&')}\\n(?:[^\\n]+\\n)*?Version: (\\S+)`, 'm').exec(status)?.[1];
  return {
    gccMajor: (compiler) => {
      if (!fs.existsSync(path.join(root, 'usr', 'bin', compiler))) return undefined;
      const v = versionOf(`cpp-${/gcc-(\d+)$/.exec(compiler)?.[1] ?? ''}`) ?? versionOf(`gcc-${/gcc-(\d+)$/.exec(compiler)?.[1] ?? ''}`);
      const major = Number(/^(?:\d+:)?(\d+)\./.exec(v ?? '')?.[1]);
      return Number.isInteger(major) && major > 0 ? major : undefined;
    },
    glibc: /^(\d+\.\d+)/.exec(versionOf('libc6') ?? '')?.[1],
    pahole: paholeOf(versionOf('dwarves')),
  };
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
