// Policy for a disposable VM: which accelerator, how many CPUs, how much
// memory, which firmware and kernel image, which kernel arguments. Decided
// here from the request and the host; qemuCommandLine.ts only spells it.
import fs from 'node:fs';
import os from 'node:os';
import { EnvironmentError, UserError } from '../errors.js';
import type { VmKernel } from './vmKernel.js';
import { chooseAccelerator, type Accelerator, type AcceleratorChoice, type TcgThreads } from './accelerator.js';

export const DEFAULT_MEM_MB = 1024;
export const QEMU_BINARY = 'qemu-system-x86_64';

/**
 * qboot is a minimal firmware that jumps straight to the kernel: a few
 * hundred ms less than SeaBIOS under TCG. QEMU ships it in qemu-system-data.
 */
const QBOOT = '/usr/share/qemu/qboot.rom';

export interface VmPolicyRequest {
  kernel: VmKernel;
  memMB?: number;
  cpus?: number;
  /** Extra kernel command-line words (e.g. nokaslr). */
  kernelArgs?: readonly string[];
  /** Force an accelerator (the KVM probe itself forces kvm). */
  accel?: Accelerator;
  /**
   * Boot the compressed image so its decompressor randomizes the kernel's
   * address (KASLR). The default PVH boot is ~2 s faster under TCG but
   * enters the kernel past the decompressor, so there is no KASLR:
   * /proc/kallsyms then matches System.map.
   */
  kaslr?: boolean;
  /** TCG with several CPUs: run them at once ('multi': a test of concurrency) or in turn; default tcgThreads(). */
  tcgThreads?: TcgThreads;
}

export interface VmPolicy {
  accel: Accelerator;
  accelReason: string;
  tcgThreads: TcgThreads;
  cpuModel: string;
  cpus: number;
  memMB: number;
  machineType: string;
  bios?: string;
  kernelImage: string;
  kernelArgs: string[];
}

/** The fixed part of the guest command line; runInVm adds guru.run=. */
export const BASE_KERNEL_ARGS = [
  'console=ttyS0',
  // Only errors and worse reach the console: each byte of emulated serial costs time.
  'quiet',
  // A panic reboots, and -no-reboot turns that into QEMU exiting: no hung VM.
  'panic=-1',
  // Skip the IO-APIC timer IRQ test: under TCG on a loaded host the guest can
  // miss its ticks and panics with "IO-APIC + timer doesn't work!" (seen in
  // npm test at a load average of 10 on 2 cores). QEMU's timer is fine.
  'no_timer_check',
];

export async function chooseVmPolicy(req: VmPolicyRequest, probeKvm: () => Promise<boolean>): Promise<VmPolicy> {
  const memMB = req.memMB ?? DEFAULT_MEM_MB;
  if (!Number.isInteger(memMB) || memMB < 256) throw new UserError(`--mem ${memMB}: the VM needs at least 256 MB`);
  const choice: AcceleratorChoice = req.accel ? { accel: req.accel, reason: 'requested' } : await memoizedAccelerator(probeKvm);
  const cpus = req.cpus ?? defaultCpus(choice.accel);
  return {
    accel: choice.accel,
    accelReason: choice.reason,
    tcgThreads: req.tcgThreads ?? tcgThreads(),
    // Under KVM the guest sees the host CPU; under TCG QEMU's default model boots fastest.
    cpuModel: choice.accel === 'kvm' ? 'host' : 'qemu64',
    cpus,
    memMB,
    machineType: 'q35',
    bios: fs.existsSync(QBOOT) ? QBOOT : undefined,
    kernelImage: bootableImage(req.kernel, req.kaslr ?? false),
    kernelArgs: [...BASE_KERNEL_ARGS, ...(req.kernelArgs ?? [])],
  };
}

/**
 * KVM: two CPUs, so concurrent threads really run in parallel. TCG: one;
 * a second emulated CPU made boots slower on these 2-core hosts (each vCPU
 * is a busy host thread), and threads still interleave on one.
 */
function defaultCpus(accel: Accelerator): number {
  if (accel === 'tcg') return 1;
  return Math.max(1, Math.min(2, os.availableParallelism()));
}

/**
 * Several guest CPUs under TCG take turns on one host thread. Multi-threaded
 * TCG (QEMU 7.2, Debian 12's) does not keep code that one guest CPU patches
 * coherent for another: while the guest kernel enables or disables a kprobe
 * at a function's entry (ftrace rewrites the call site through int3, then
 * serialises every CPU), a CPU calling that function in a loop can still
 * execute the int3 afterwards, when nothing in the kernel expects it any
 * more; the kprobe core then takes it for a kprobe hit and jumps to the
 * ftrace kprobe's (absent) single-step slot: "RIP: 0010:0x0". A 40-line
 * samples/kprobes-style module that enables and disables one such kprobe
 * 300 times beside a getpid(2) loop oopsed 3 runs in 3 on 6.1 and 6.12
 * with thread=multi and 0 in 3 with thread=single (2 CPUs each), and
 * guru's reliability tests oopsed so about every other run. The guest still has two
 * CPUs that interleave (preempted at translation-block boundaries), only
 * not at once. GURU_VM_TCG_THREADS=multi brings the old behaviour back to
 * reproduce this.
 */
function tcgThreads(): TcgThreads {
  const forced = process.env.GURU_VM_TCG_THREADS;
  if (forced === undefined || forced === '') return 'single';
  if (forced !== 'single' && forced !== 'multi') throw new UserError(`GURU_VM_TCG_THREADS=${forced}: expected single or multi`);
  return forced;
}

function bootableImage(kernel: VmKernel, kaslr: boolean): string {
  const image = !kaslr && kernel.pvhImage && fs.existsSync(kernel.pvhImage) ? kernel.pvhImage : kernel.image;
  if (!fs.existsSync(image)) throw new EnvironmentError(`kernel image ${image} is missing`, `re-add the kernel: guru kernel rm ${kernel.id} && guru kernel add ${kernel.ref ?? kernel.release}`);
  return image;
}

let acceleratorDecision: Promise<AcceleratorChoice> | undefined;

/** The probe can take seconds; decide once per process. */
function memoizedAccelerator(probeKvm: () => Promise<boolean>): Promise<AcceleratorChoice> {
  acceleratorDecision ??= chooseAccelerator(probeKvm);
  return acceleratorDecision;
}
