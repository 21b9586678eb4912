// Everything the resolver needs to know about the target kernel, behind one
// interface so unit tests can use a fake and need neither root nor a kernel.
import type { Btf } from '../debuginfo/btf.js';
import type { HostPackages } from '../debuginfo/debugPackages.js';
import type { ProgramDebuginfo } from '../debuginfo/programDebuginfo.js';
import type { KernelModules } from './kernelModules.js';

/** A syscall argument as declared in include/linux/syscalls.h. */
export interface SyscallArg {
  name: string;
  /** C type as written, `__user` kept (e.g. `const char __user *`). */
  ctype: string;
}

export interface SyscallPrototype {
  name: string;
  args: SyscallArg[];
  /** The x86_64 pt_regs wrapper the probe goes on, e.g. `__x64_sys_write`. */
  symbol: string;
}

export interface KernelFacts {
  /** `uname -r` of the target, e.g. `6.1.0-56-amd64`. */
  readonly release: string;
  /**
   * The Debian packages of the machine whose user programs are probed
   * (dpkg, apt), for naming the package of a binary's debug information
   * (src/debuginfo/debugPackages.ts); unset: this machine's dpkg and apt.
   */
  readonly hostPackages?: HostPackages;
  /** Directory usable as kbuild's KDIR for this kernel. */
  readonly headersDir: string;
  /** Syscall by its name without prefix (`write`), if the target's x86_64 table has it. */
  syscall(name: string): SyscallPrototype | undefined;
  syscallNames(): string[];
  /**
   * Kernel text symbols, when a source for them exists (System.map,
   * /proc/kallsyms). `undefined` means "not known": names are then checked
   * when the module registers its probes.
   */
  functionSymbols(): ReadonlySet<string> | undefined;
  /**
   * The target's BTF (kernel function prototypes and types), read on the
   * first call since parsing it costs a few hundred milliseconds; undefined
   * when none was found. Optional: facts without it (and fakes) give kprobe
   * arguments as positional `$argN` only.
   */
  btf?(): Btf | undefined;
  /** Where btf() reads from (a path), for messages; undefined when there is no BTF. */
  readonly btfPath?: string;
  /** Every symbol of the target with its address (System.map or /proc/kallsyms), data symbols included, when known. */
  readonly systemMapPath?: string;
  /** The target's image as an ELF file with its data sections (static tables such as the trace events), when known. */
  readonly imagePath?: string;
  /** Where the target's loadable modules are (lib/modules/RELEASE), when known. */
  readonly modulesDir?: string;
  /**
   * The target's loadable modules (their functions and BTF), read on demand;
   * undefined when their files are not known. Optional: facts without it
   * (fakes) know vmlinux's functions only.
   */
  modules?(): KernelModules | undefined;
  /**
   * The target's vmlinux with DWARF (statement probes), found and opened on
   * the first call; its build-id equals the target kernel's. Throws an
   * EnvironmentError that says how to get it when there is none. Optional:
   * facts without it (fakes) refuse statement probes.
   */
  debuginfo?(): ProgramDebuginfo;
  /** errno names, open flags and mode bits from the target's headers. */
  constant(name: string): bigint | undefined;
  /**
   * Whether a constant's C type is a 64-bit unsigned one (`8UL`,
   * `(unsigned long) 0xffffffff`): comparisons with it are then unsigned,
   * as in C. Optional: without it only values above S64_MAX count so.
   */
  constantUnsigned?(name: string): boolean;
  constantNames(): string[];
}
