// --kernel / --kdir, shared by every command that resolves against a kernel.
import type { Argv } from 'yargs';

export interface KernelArgs {
  kernel?: string;
  kdir?: string;
}

export function withKernelOptions<T>(y: Argv<T>): Argv<T & KernelArgs> {
  return y
    .option('kernel', { type: 'string', describe: 'target kernel release (e.g. 6.1.0-56-amd64); default: the running kernel' })
    .option('kdir', { type: 'string', describe: 'kernel build directory to use instead of looking one up' }) as Argv<T & KernelArgs>;
}
