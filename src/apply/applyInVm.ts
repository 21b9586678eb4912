// `guru apply --vm K`: build on the host for K's release (fast, with the
// host's compiler and K's headers from the kernel store), then run `guru
// apply <the .ko>` inside a disposable VM booted on K. The guest sees the
// host's files read-only, so the module, node and guru itself need no copying.
import path from 'node:path';
import { UserError } from '../errors.js';
import { ensureKernel } from '../kernelStore/ensureKernel.js';
import { terminalProgress } from '../kernelStore/storeProgress.js';
import { storedKernelTarget } from '../kernelFacts/kernelTarget.js';
import { projectRoot } from '../projectRoot.js';
import { runInVm } from '../vm/runInVm.js';
import type { ApplyOptions } from './applyOptions.js';
import { parseDuration } from './duration.js';
import { moduleToApply } from './moduleToApply.js';

export async function applyInVm(args: ApplyOptions): Promise<number> {
  if (args.output) {
    throw new UserError('--output cannot be combined with --vm: the guest cannot write host files', "inside one VM, send events to a guest file: guru vm --kernel K -- sh -c 'guru apply ... -o /tmp/events; cat /tmp/events'");
  }
  if (args.detach) throw new UserError('--detach makes no sense with --vm: the VM ends with the command');
  if (args.kdir) throw new UserError('--kdir cannot be combined with --vm: the VM kernel brings its own headers');
  const kernel = await ensureKernel(args.vm!, { progress: terminalProgress() });
  const target = storedKernelTarget(kernel, args.debuginfo);

  const { koPath } = await moduleToApply(args.target, {
    release: kernel.release,
    label: args.vm!,
    buildTarget: async () => target,
    mismatchHint: `build it for ${args.vm} (guru build SPEC --kernel ${args.vm}), or apply the spec itself with --vm ${args.vm}`,
  });

  const guestArgv = [process.execPath, path.join(projectRoot(), 'bin', 'guru.js'), 'apply', koPath];
  if (args.run !== undefined) guestArgv.push('--run', args.run);
  if (args.as !== undefined) guestArgv.push('--as', args.as);
  if (args.duration !== undefined) guestArgv.push('--duration', args.duration);
  if (args.json) guestArgv.push('--json');
  const result = await runInVm({
    kernel,
    argv: guestArgv,
    cwd: process.cwd(),
    timeoutMs: args.vmTimeout ? parseDuration(args.vmTimeout, '--vm-timeout') : 10 * 60_000,
    stdio: 'inherit',
  });
  if (result.timedOut) process.stderr.write(`guru: the VM hit its time limit; pass --vm-timeout to allow longer\n`);
  return result.exitCode;
}
