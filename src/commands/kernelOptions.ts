// --kernel / --kdir, shared by every command that resolves against a kernel.
import type { Argv } from 'yargs';

import type { KernelTargetOptions } from '../kernelFacts/kernelTarget.js';

export type KernelArgs = KernelTargetOptions;

export function withKernelOptions<T>(y: Argv<T>): Argv<T & KernelArgs> {
  return y
    .option('kernel', { type: 'string', describe: 'target kernel release (e.g. 6.1.0-56-amd64); default: the running kernel' })
    .option('kdir', { type: 'string', describe: 'kernel build directory to use instead of looking one up' })
    .option('debuginfo', {
      type: 'string',
      describe: "vmlinux with DWARF for statement probes (default: /usr/lib/debug/boot/vmlinux-R, /usr/lib/debug/lib/modules/R/vmlinux, the kernel store's); its build-id must match the kernel",
    }) as Argv<T & KernelArgs>;
}
