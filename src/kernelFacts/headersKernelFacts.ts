// KernelFacts read from a kernel's build headers (what kbuild needs anyway):
// syscall prototypes, the x86_64 syscall table, constants, and, where a
// System.map or /proc/kallsyms is available, the function symbols; where a
// BTF file is known, kernel function prototypes.
import fs from 'node:fs';
import path from 'node:path';
import { readBtf, type Btf } from '../debuginfo/btf.js';
import { findDebuginfo, type ExpectedBuildId } from '../debuginfo/findDebuginfo.js';
import { openProgramDebuginfo, type ProgramDebuginfo } from '../debuginfo/programDebuginfo.js';
import { EnvironmentError } from '../errors.js';
import type { KernelFacts, SyscallPrototype, SyscallArg } from './kernelFacts.js';
import { kernelModules, type KernelModules } from './kernelModules.js';
import type { KernelTarget } from './kernelTarget.js';
import { parseSyscallPrototypes, parseSyscallTable } from './parseSyscallPrototypes.js';
import { parseHeaderConstants, type HeaderConstants } from './parseHeaderConstants.js';

/**
 * Debian splits headers into an arch part (the KDIR, whose Makefile is one
 * `include <common>/Makefile` line) and a common part holding include/linux.
 */
export function headersSourceTree(headersDir: string): string {
  const makefile = path.join(headersDir, 'Makefile');
  if (fs.existsSync(makefile)) {
    const m = /^include\s+(.+)\/Makefile\s*$/m.exec(fs.readFileSync(makefile, 'utf8'));
    if (m) {
      // guru's kernel store rewrites the absolute path to one relative to the Makefile itself.
      const dir = m[1].replace('$(dir $(lastword $(MAKEFILE_LIST)))', headersDir + '/');
      if (fs.existsSync(path.join(dir, 'include/linux'))) return path.resolve(dir);
    }
  }
  return headersDir;
}

const CONSTANT_HEADERS = [
  'include/uapi/asm-generic/errno-base.h',
  'include/uapi/asm-generic/errno.h',
  'include/linux/errno.h',
  'include/uapi/asm-generic/fcntl.h',
  'include/uapi/linux/fcntl.h',
  'include/uapi/linux/stat.h',
  'include/uapi/linux/fs.h',
  'arch/x86/include/uapi/asm/signal.h',
  'include/uapi/asm-generic/resource.h',
  'include/linux/socket.h',
  'include/uapi/asm-generic/socket.h',
  'include/vdso/limits.h',
  'include/linux/limits.h',
  'include/uapi/linux/capability.h',
  'include/uapi/asm-generic/mman-common.h',
  'include/uapi/linux/mman.h',
  'include/uapi/linux/sched.h',
  'include/uapi/linux/ptrace.h',
  'include/uapi/linux/in.h',
  'include/scsi/sg.h',
];

/** Everything known about the target: its headers, and where its symbols, BTF and debuginfo are. */
export type HeadersKernelFactsOptions = KernelTarget;

export function headersKernelFacts(opts: HeadersKernelFactsOptions): KernelFacts {
  const source = headersSourceTree(opts.headersDir);
  const syscallsH = path.join(source, 'include/linux/syscalls.h');
  const tableH = path.join(opts.headersDir, 'arch/x86/include/generated/asm/syscalls_64.h');
  for (const f of [syscallsH, tableH]) {
    if (!fs.existsSync(f)) {
      throw new EnvironmentError(
        `kernel headers for ${opts.release} in ${opts.headersDir} are incomplete: ${f} is missing`,
        `install them: apt-get install linux-headers-${opts.release}`,
      );
    }
  }
  const prototypes = parseSyscallPrototypes(fs.readFileSync(syscallsH, 'utf8'));
  const table = parseSyscallTable(fs.readFileSync(tableH, 'utf8'));
  const syscalls = new Map<string, SyscallPrototype>();
  for (const name of table) {
    const args: SyscallArg[] | undefined = prototypes.get(name);
    // A table entry without a generic prototype (e.g. arch-specific ones) is
    // still probe-able; its arguments are then positional only.
    syscalls.set(name, { name, args: args ?? [], symbol: `__x64_sys_${name}` });
  }
  let constants: HeaderConstants | undefined;
  const loadConstants = (): HeaderConstants => {
    constants ??= parseHeaderConstants(
      CONSTANT_HEADERS.map((h) => path.join(source, h))
        .filter((f) => fs.existsSync(f))
        .map((f) => fs.readFileSync(f, 'utf8')),
    );
    return constants;
  };
  let symbols: Set<string> | undefined | null = null;
  const loadSymbols = (): Set<string> | undefined => {
    if (symbols === null) symbols = opts.systemMap ? readTextSymbols(opts.systemMap) : undefined;
    return symbols;
  };
  let btf: Btf | undefined | null = null;
  const loadBtf = (): Btf | undefined => {
    if (btf === null) btf = opts.btf ? readBtf(opts.btf) : undefined;
    return btf;
  };
  let modules: KernelModules | undefined | null = null;
  const loadModules = (): KernelModules | undefined => {
    if (modules === null) modules = opts.modulesDir ? kernelModules({ release: opts.release, dir: opts.modulesDir }) : undefined;
    return modules;
  };
  let debuginfo: ProgramDebuginfo | undefined;
  const loadDebuginfo = (): ProgramDebuginfo => {
    debuginfo ??= openProgramDebuginfo(
      findDebuginfo({
        release: opts.release,
        explicit: opts.debuginfo,
        stored: opts.storedDebuginfo,
        expected: opts.buildId,
        fix: opts.debuginfoFix ?? `guru kernel add debian:6.1 --debuginfo, or --debuginfo PATH`,
      }).path,
    );
    return debuginfo;
  };
  return {
    release: opts.release,
    headersDir: opts.headersDir,
    btf: loadBtf,
    debuginfo: loadDebuginfo,
    btfPath: opts.btf,
    systemMapPath: opts.systemMap,
    imagePath: opts.image,
    modulesDir: opts.modulesDir,
    modules: loadModules,
    syscall: (name) => syscalls.get(name),
    syscallNames: () => [...syscalls.keys()].sort(),
    functionSymbols: loadSymbols,
    // A #define of the headers, else an enumerator of the kernel's BTF
    // (PERF_TYPE_SOFTWARE, TCP_ESTABLISHED): only then is BTF read.
    constant: (name) => loadConstants().values.get(name) ?? (/^[A-Z][A-Z0-9_]*$/.test(name) ? loadBtf()?.enumValue(name) : undefined),
    constantUnsigned: (name) => loadConstants().unsigned64.has(name),
    constantNames: () => [...loadConstants().values.keys()].sort(),
  };
}

/**
 * Text (function) symbols of vmlinux from a System.map or kallsyms file.
 * kallsyms also lists the loaded modules' (`ADDR t NAME [MODULE]`): those
 * are left out, as their types are in the module's BTF, not vmlinux's
 * (KernelFacts.modules() finds them).
 */
export function readTextSymbols(file: string): Set<string> {
  const out = new Set<string>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const [, type, name, module] = line.split(/\s+/);
    if (name && (type === 't' || type === 'T') && !module) out.add(name);
  }
  return out;
}
