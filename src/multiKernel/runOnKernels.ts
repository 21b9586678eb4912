// Run the same thing on several kernels, one after another (a TCG guest
// keeps a host core busy: parallel VMs would only slow each other), and
// collect a KernelRunResult per kernel. A kernel that cannot be added or a
// module that does not build is that kernel's result, not the end of the
// run: the point is to see on which kernels something works.
import { GuruError } from '../errors.js';
import { ensureKernel } from '../kernelStore/ensureKernel.js';
import { terminalProgress } from '../kernelStore/storeProgress.js';
import type { StoredKernel } from '../kernelStore/storedKernel.js';
import type { KernelRunResult } from './kernelRunTable.js';

export interface KernelRun {
  exitCode: number;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export interface RunOnKernelsResult {
  results: KernelRunResult[];
  /** Per kernel that failed to run: the error's exit code (2 environment, 1 user, 3 internal). */
  errorCodes: Map<string, number>;
}

export async function runOnKernels(refs: string[], run: (kernel: StoredKernel, ref: string) => Promise<KernelRun>, log: (line: string) => void): Promise<RunOnKernelsResult> {
  const results: KernelRunResult[] = [];
  const errorCodes = new Map<string, number>();
  for (const [i, ref] of refs.entries()) {
    let kernel: StoredKernel | undefined;
    try {
      kernel = await ensureKernel(ref, { progress: terminalProgress() });
      log(`[${i + 1}/${refs.length}] ${ref}: ${kernel.release}`);
      const r = await run(kernel, ref);
      results.push({ kernel: ref, release: kernel.release, exitCode: r.exitCode, timedOut: r.timedOut, stdout: r.stdout, stderr: r.stderr });
    } catch (err) {
      if (!(err instanceof GuruError)) throw err;
      log(`[${i + 1}/${refs.length}] ${ref}: ${err.message.split('\n')[0]}`);
      results.push({ kernel: ref, release: kernel?.release, stdout: '', stderr: '', error: err.hint ? `${err.message}\nhint: ${err.hint}` : err.message });
      errorCodes.set(ref, err.exitCode);
    }
  }
  return { results, errorCodes };
}
