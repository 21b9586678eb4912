// `guru apply --vm K`: build on the host for K's release (fast, with the
// host's compiler and K's headers from the kernel store), then run `guru
// apply <the .ko>` inside a disposable VM booted on K. The guest sees the
// host's files read-only, so the module, node and guru itself need no copying.
// `--vm A,B,C` does that on each kernel in turn and prints a table of the
// exit codes and outputs per kernel.
import path from 'node:path';
import { UserError } from '../errors.js';
import { ensureKernel } from '../kernelStore/ensureKernel.js';
import { terminalProgress } from '../kernelStore/storeProgress.js';
import { storedKernelTarget } from '../kernelFacts/kernelTarget.js';
import { projectRoot } from '../projectRoot.js';
import type { StoredKernel } from '../kernelStore/storedKernel.js';
import { parseKernelList } from '../multiKernel/kernelList.js';
import { combinedExitCode, formatKernelRunTable } from '../multiKernel/kernelRunTable.js';
import { runOnKernels } from '../multiKernel/runOnKernels.js';
import { runInVm, type VmRunResult } from '../vm/runInVm.js';
import type { ApplyOptions } from './applyOptions.js';
import { parseDuration } from './duration.js';
import { moduleToApply } from './moduleToApply.js';
import { manifestKnobs, parseKnobAssignments } from './knobs.js';

export async function applyInVm(args: ApplyOptions): Promise<number> {
  if (args.output) {
    throw new UserError('--output cannot be combined with --vm: the guest cannot write host files', "inside one VM, send events to a guest file: guru vm --kernel K -- sh -c 'guru apply ... -o /tmp/events; cat /tmp/events'");
  }
  if (args.detach) throw new UserError('--detach makes no sense with --vm: the VM ends with the command');
  if (args.kdir) throw new UserError('--kdir cannot be combined with --vm: the VM kernel brings its own headers');
  const kernels = parseKernelList(args.vm!, '--vm');
  if (kernels.length > 1) return applyOnKernels(kernels, args);
  const kernel = await ensureKernel(args.vm!, { progress: terminalProgress() });
  const result = await applyOnKernel(kernel, args.vm!, args, 'inherit');
  if (result.timedOut) process.stderr.write(`guru: the VM hit its time limit; pass --vm-timeout to allow longer\n`);
  return result.exitCode;
}

/** Build for KERNEL on the host (unless TARGET is a built .ko), then apply it in a VM booted on KERNEL. */
async function applyOnKernel(kernel: StoredKernel, ref: string, args: ApplyOptions, stdio: 'inherit' | 'pipe'): Promise<VmRunResult> {
  const target = storedKernelTarget(kernel, args.debuginfo);
  const { koPath, manifest } = await moduleToApply(args.target, {
    release: kernel.release,
    label: ref,
    buildTarget: async () => target,
    maxProbes: args.maxProbes,
    mismatchHint: `build it for ${ref} (guru build SPEC --kernel ${ref}), or apply the spec itself with --vm ${ref}`,
    buildId: () => kernel.buildId,
  });

  // Checked here, before a VM boots for nothing; the guest's guru checks them again.
  const params = parseKnobAssignments(args.param ?? [], manifestKnobs(manifest), '--param');
  const guestArgv = [process.execPath, path.join(projectRoot(), 'bin', 'guru.js'), 'apply', koPath];
  for (const a of params) guestArgv.push('--param', `${a.name}=${a.value}`);
  if (args.run !== undefined) guestArgv.push('--run', args.run);
  if (args.as !== undefined) guestArgv.push('--as', args.as);
  if (args.duration !== undefined) guestArgv.push('--duration', args.duration);
  if (args.json) guestArgv.push('--json');
  if (args.top !== undefined) guestArgv.push('--top', String(args.top));
  return runInVm({
    kernel,
    argv: guestArgv,
    cwd: process.cwd(),
    timeoutMs: args.vmTimeout ? parseDuration(args.vmTimeout, '--vm-timeout') : 10 * 60_000,
    stdio,
  });
}

/** `--vm A,B,C`: the same patch and command on each kernel in turn, then a table of exit codes and outputs. */
async function applyOnKernels(kernels: string[], args: ApplyOptions): Promise<number> {
  const { results, errorCodes } = await runOnKernels(
    kernels,
    async (kernel, ref) => {
      const r = await applyOnKernel(kernel, ref, args, 'pipe');
      return { exitCode: r.exitCode, timedOut: r.timedOut, stdout: r.stdout?.toString('utf8') ?? '', stderr: r.stderr?.toString('utf8') ?? '' };
    },
    (line) => process.stderr.write(`guru: ${line}\n`),
  );
  process.stdout.write(formatKernelRunTable(results));
  return combinedExitCode(results, (r) => errorCodes.get(r.kernel) ?? 2);
}
