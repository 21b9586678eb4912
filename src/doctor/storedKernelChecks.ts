// `guru doctor --kernel K` for a kernel other than the running one: can this
// machine build patches for K (guru build --kernel K) and apply them in a
// disposable VM booted on K (guru apply SPEC --vm K)? Everything is read
// from K's entry in guru's kernel store and from this machine's tools;
// nothing is downloaded or booted.
import { GuruError } from '../errors.js';
import type { StoredKernel } from '../kernelStore/storedKernel.js';
import { describeToolchain, toolchainGaps, type KernelToolchain, type ToolchainOffer } from '../kernelStore/kernelToolchain.js';
import { configLockdownCheck, configSignatureCheck, kprobesCheck } from './configChecks.js';
import type { DoctorCheck } from './doctorCheck.js';
import { kernelGccMajor } from './hostTools.js';
import type { KernelConfig } from './kernelConfig.js';

/** What this machine has, as the checks ask it (real in `guru doctor`, fake in unit tests). */
export interface HostFacts {
  has(command: string): boolean;
  gccMajor(): number | undefined;
  /** pahole's version as kbuild compares it (v1.24 → 124). */
  paholeVersion(): number | undefined;
  /** Throws the VM's own EnvironmentError when /bin/busybox is missing or not static. */
  checkStaticBusybox(): void;
  /** What this machine offers a kernel's toolchain (compilers, glibc, pahole). */
  toolchain?(): ToolchainOffer;
  /** What a build root offers, or undefined if it is not there. */
  rootToolchain?(dir: string): ToolchainOffer | undefined;
}

export interface StoredKernelFacts {
  /** K as the user typed it. */
  ref: string;
  kernel: StoredKernel | undefined;
  config?: KernelConfig;
  /** Whether kernel.headersDir holds headers of kernel.release. */
  headersComplete?: boolean;
  btf?: string;
  /** Whether the headers ship a vmlinux, against which kbuild adds BTF to each module (6.12 does, 6.1 does not). */
  headersVmlinux?: boolean;
  /** What building modules for the kernel needs (the store's record, or read from its headers). */
  toolchain?: KernelToolchain;
}

export function storedKernelChecks(facts: StoredKernelFacts, host: HostFacts): DoctorCheck[] {
  const { ref, kernel } = facts;
  const checks: DoctorCheck[] = [];
  checks.push(
    kernel
      ? { name: 'kernel store', ok: true, detail: `${ref} is ${kernel.release} (Debian ${kernel.packageVersion}) in ${kernel.dir}` }
      : { name: 'kernel store', ok: false, detail: `${ref} is not in guru's kernel store`, fix: `guru kernel add ${ref}` },
  );
  if (kernel) checks.push(...kernelChecks(kernel, facts));
  if (kernel?.buildRoot && facts.toolchain) checks.push(buildRootCheck(kernel, facts.toolchain, facts.ref, host));
  else {
    if (kernel && facts.toolchain) checks.push(hostToolchainCheck(facts.toolchain, facts.ref, host));
    checks.push(...buildTools(facts, host));
  }

  const qemu = host.has('qemu-system-x86_64');
  checks.push({ name: 'qemu', ok: qemu, detail: qemu ? 'qemu-system-x86_64 found' : 'qemu-system-x86_64 not found', fix: 'apt-get install qemu-system-x86' });
  checks.push(busyboxCheck(host));

  if (kernel) {
    checks.push({
      name: 'BTF',
      optional: true,
      ok: facts.btf !== undefined,
      detail: facts.btf ? `${facts.btf}: kprobe arguments by name and C type` : `no BTF for ${kernel.release}: kprobe arguments are positional ($arg1..$arg6)`,
      fix: `guru kernel rm ${kernel.release} && guru kernel add ${ref} (the store keeps the image's BTF)`,
    });
    checks.push({
      name: 'debuginfo',
      optional: true,
      ok: kernel.debuginfo !== undefined,
      detail: kernel.debuginfo ? `${kernel.debuginfo.vmlinux}, build-id ${kernel.debuginfo.buildId}: statement probes work` : 'not stored: statement probes need the vmlinux with DWARF',
      fix: `guru kernel add ${ref} --debuginfo`,
    });
  }
  return checks;
}

function kernelChecks(kernel: StoredKernel, facts: StoredKernelFacts): DoctorCheck[] {
  const label = kernel.release;
  const config = facts.config;
  if (!config) {
    return [{ name: 'kernel config', ok: false, detail: `${kernel.config} is missing: the store entry is incomplete`, fix: `guru kernel rm ${label} && guru kernel add ${facts.ref}` }];
  }
  const modules = config.get('CONFIG_MODULES') === 'y';
  return [
    { name: 'CONFIG_MODULES', ok: modules, detail: modules ? `${label} loads modules` : `${label} was built without module support`, fix: 'use a kernel built with CONFIG_MODULES=y (Debian\'s are)' },
    kprobesCheck(config, false, "use a kernel with CONFIG_KPROBES=y (Debian's are)"),
    configLockdownCheck(label, config),
    configSignatureCheck(label, config),
    {
      name: 'headers',
      ok: facts.headersComplete === true,
      detail: facts.headersComplete ? `kernel headers in ${kernel.headersDir}` : `${kernel.headersDir} does not hold ${label}'s headers`,
      fix: `guru kernel rm ${label} && guru kernel add ${facts.ref}`,
    },
  ];
}

function buildTools(facts: StoredKernelFacts, host: HostFacts): DoctorCheck[] {
  const config = facts.config;
  const gcc = host.has('gcc');
  const make = host.has('make');
  const checks: DoctorCheck[] = [
    { name: 'compiler', ok: gcc && make, detail: gcc && make ? 'gcc and make found' : `missing: ${[!gcc && 'gcc', !make && 'make'].filter(Boolean).join(', ')}`, fix: 'apt-get install build-essential' },
  ];
  const built = config && kernelGccMajor(config);
  const here = gcc ? host.gccMajor() : undefined;
  if (built && here) {
    checks.push({
      name: 'compiler version',
      optional: true,
      ok: built === here,
      detail: built === here ? `gcc ${here}, as the kernel was built with` : `the kernel was built with gcc ${built}, this machine's gcc is ${here}: kbuild may refuse flags one of them lacks`,
      fix: `build where gcc ${built} is the compiler (e.g. the Debian release this kernel comes from)`,
    });
  }
  // Kernels with BTF for modules run pahole on every module built against
  // headers that ship a vmlinux (without one, kbuild skips the step).
  if (config?.get('CONFIG_DEBUG_INFO_BTF_MODULES') === 'y' && facts.headersVmlinux) {
    const have = host.paholeVersion();
    checks.push({
      name: 'pahole',
      ok: have !== undefined,
      detail: have !== undefined ? `pahole v${(have / 100).toFixed(2)} found (kbuild adds BTF to this kernel's modules with it)` : "pahole not found: kbuild runs it on every module for this kernel",
      fix: 'apt-get install dwarves',
    });
  }
  return checks;
}

/** The kernel builds with this machine's toolchain: does it (still) have what the kernel needs? */
function hostToolchainCheck(toolchain: KernelToolchain, ref: string, host: HostFacts): DoctorCheck {
  const gaps = host.toolchain ? toolchainGaps(toolchain, host.toolchain()) : [];
  return {
    name: 'toolchain',
    ok: gaps.length === 0,
    detail: gaps.length === 0 ? `needs ${describeToolchain(toolchain)}: this machine has it` : `needs ${describeToolchain(toolchain)}: ${gaps.join('; ')}`,
    fix: `guru kernel add ${ref} (makes a build root with that toolchain when this machine lacks it)`,
  };
}

/** The kernel builds in a build root: is it there, and does it have what the kernel needs? */
function buildRootCheck(kernel: StoredKernel, toolchain: KernelToolchain, ref: string, host: HostFacts): DoctorCheck {
  const root = kernel.buildRoot!;
  const offer = host.rootToolchain?.(root.dir);
  const gaps = offer ? toolchainGaps(toolchain, offer) : [];
  const ok = offer !== undefined && gaps.length === 0;
  return {
    name: 'toolchain',
    ok,
    detail: `needs ${describeToolchain(toolchain)}, which this machine lacks; ${
      !offer ? `its build root ${root.name} is missing (${root.dir})` : gaps.length ? `its build root ${root.name} lacks: ${gaps.join('; ')}` : `the build root ${root.name} provides it (${root.dir})`
    }`,
    fix: `guru kernel add ${ref} (makes the build root again; needs root)`,
  };
}

function busyboxCheck(host: HostFacts): DoctorCheck {
  try {
    host.checkStaticBusybox();
    return { name: 'busybox', ok: true, detail: 'static /bin/busybox found (the VM\'s init)' };
  } catch (err) {
    if (!(err instanceof GuruError)) throw err;
    return { name: 'busybox', ok: false, detail: err.message, fix: err.hint };
  }
}
