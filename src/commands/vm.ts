// guru vm [--kernel K[,K...]] [--timeout D] [--mem M] -- CMD...: run CMD as
// root in a disposable VM booted on a stored kernel; guru exits with CMD's
// exit code. With several kernels, one VM per kernel in turn, and a table of
// each kernel's exit code and output (src/multiKernel).
import os from 'node:os';
import type { GuruCommand } from './command.js';
import { parseDuration } from '../apply/duration.js';
import { UserError } from '../errors.js';
import { VM_TIMEOUT_EXIT_CODE } from '../vm/vmExitCodes.js';
import { DEFAULT_MEM_MB } from '../vm/vmPolicy.js';

export const DEFAULT_VM_KERNEL = 'debian:6.1';
const DEFAULT_TIMEOUT = '10m';

interface VmArgs {
  kernel: string;
  timeout: string;
  mem: number;
  cpus?: number;
  console?: boolean;
  append?: string[];
  verbose?: boolean;
  kaslr?: boolean;
  icount?: boolean;
  qemuArg?: string[];
  json?: boolean;
  command?: string[];
  '--'?: string[];
}

export const vmCommand: GuruCommand<VmArgs> = {
  command: 'vm [command..]',
  describe: 'run a command as root in a disposable VM booted on a stored kernel',
  builder: (y) =>
    y
      .parserConfiguration({ 'populate--': true })
      .usage('guru vm [--kernel K[,K...]] [--timeout D] [--mem M] -- CMD [ARGS...]')
      .positional('command', { type: 'string', array: true, describe: 'the command (after --)' })
      .option('kernel', {
        type: 'string',
        default: DEFAULT_VM_KERNEL,
        describe: 'kernel to boot (debian:6.1, debian:7.3, debian:trixie, a release), added to the store if missing; several, comma-separated: one VM each, and a table of results',
      })
      .option('timeout', { type: 'string', default: DEFAULT_TIMEOUT, describe: `hard limit for boot and command (e.g. 30s, 5m); on expiry guru exits ${VM_TIMEOUT_EXIT_CODE}` })
      .option('mem', { type: 'number', default: DEFAULT_MEM_MB, describe: 'guest memory in MB' })
      .option('cpus', { type: 'number', describe: 'guest CPUs (default: 1 under TCG, 2 under KVM)' })
      .option('console', { type: 'boolean', describe: "stream the guest's serial console (kernel messages) to stderr" })
      .option('append', { type: 'string', array: true, describe: 'extra kernel command-line word (repeatable), e.g. --append loglevel=7' })
      .option('kaslr', { type: 'boolean', describe: 'randomize the kernel base address (boots the compressed image, ~2 s slower under TCG)' })
      .option('icount', { type: 'boolean', describe: "count guest instructions (TCG, QEMU -icount shift=0,sleep=off): the guest's clock advances 1 ns per instruction, so timings inside it are deterministic instruction counts" })
      .option('qemu-arg', { type: 'string', array: true, describe: 'extra QEMU argument (repeatable, appended as given), e.g. --qemu-arg=-icount --qemu-arg=shift=2' })
      .option('verbose', { alias: 'v', type: 'boolean', describe: 'say which accelerator ran and how long it took' })
      .option('json', { type: 'boolean', describe: 'with several kernels: the results as JSON (kernel, release, exitCode, stdout, stderr)' })
      .example('guru vm -- uname -r', 'boot debian:6.1 and print its release')
      .example("guru vm --icount -- sh -c 'time ls'", 'time in guest instructions (1 ns each), the same on every run')
      .example('guru vm --kernel debian:6.1,debian:6.12,debian:7.3 -- uname -r', 'the same on three kernels, as a table')
      .example("guru vm --kernel debian:6.12 -- sh -c 'insmod ./m.ko && cat /proc/modules'", 'load a module built on the host'),
  handler: async (args: VmArgs) => {
    const argv = [...(args.command ?? []), ...(args['--'] ?? [])].map(String);
    if (argv.length === 0) throw new UserError('no command to run in the VM', 'put it after --, e.g. guru vm -- uname -r');
    const timeoutMs = parseDuration(args.timeout, '--timeout');
    if (args.cpus !== undefined && (!Number.isInteger(args.cpus) || args.cpus < 1)) throw new UserError(`--cpus ${args.cpus}: expected a positive integer`);
    const { parseKernelList } = await import('../multiKernel/kernelList.js');
    const kernels = parseKernelList(args.kernel, '--kernel');
    if (kernels.length > 1) {
      process.exitCode = await vmOnKernels(kernels, argv, timeoutMs, args);
      return;
    }
    // Loaded on demand: every command's start-up stays light (see apply.ts).
    const { ensureKernel } = await import('../kernelStore/ensureKernel.js');
    const { terminalProgress } = await import('../kernelStore/storeProgress.js');
    const { runInVm } = await import('../vm/runInVm.js');
    const kernel = await ensureKernel(args.kernel, { progress: terminalProgress() });

    // SIGKILL needs nothing from us (QEMU dies with its parent); these let the
    // VM go down cleanly and guru report it.
    const abort = new AbortController();
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    let received: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
      received ??= signal;
      abort.abort();
    };
    for (const s of signals) process.on(s, onSignal);
    try {
      const result = await runInVm({
        kernel,
        argv,
        cwd: process.cwd(),
        timeoutMs,
        memMB: args.mem,
        cpus: args.cpus,
        stdio: 'inherit',
        kernelArgs: args.append,
        kaslr: args.kaslr,
        icount: args.icount,
        qemuArgs: args.qemuArg?.map(String),
        onConsole: args.console ? (chunk) => process.stderr.write(chunk) : undefined,
        signal: abort.signal,
      });
      if (args.verbose) {
        process.stderr.write(`guru: ${kernel.release} under ${result.accel.toUpperCase()} (${result.accelReason}); ${(result.durationMs / 1000).toFixed(2)} s\n`);
      }
      if (result.timedOut) {
        process.stderr.write(`guru: timed out after ${args.timeout}; the VM was stopped (exit ${VM_TIMEOUT_EXIT_CODE}). Allow longer with --timeout.\n`);
      }
      // Interrupted: exit as a shell reports death by that signal (130 for SIGINT).
      const exitCode = result.interrupted && received ? 128 + os.constants.signals[received] : result.exitCode;
      if (result.interrupted) process.stderr.write(`guru: ${received ?? 'interrupted'}; the VM was stopped (exit ${exitCode})\n`);
      process.exitCode = exitCode;
    } finally {
      for (const s of signals) process.off(s, onSignal);
    }
  },
};

/** `guru vm --kernel A,B,C -- CMD`: CMD in a VM on each kernel in turn, then the table. */
async function vmOnKernels(kernels: string[], argv: string[], timeoutMs: number, args: VmArgs): Promise<number> {
  const { runOnKernels } = await import('../multiKernel/runOnKernels.js');
  const { formatKernelRunTable, combinedExitCode } = await import('../multiKernel/kernelRunTable.js');
  const { runInVm } = await import('../vm/runInVm.js');
  const abort = new AbortController();
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const onSignal = (): void => abort.abort();
  for (const s of signals) process.on(s, onSignal);
  try {
    const { results, errorCodes } = await runOnKernels(
      kernels,
      async (kernel) => {
        if (abort.signal.aborted) throw new UserError('interrupted before this kernel ran');
        const r = await runInVm({
          kernel,
          argv,
          cwd: process.cwd(),
          timeoutMs,
          memMB: args.mem,
          cpus: args.cpus,
          stdio: 'pipe',
          kernelArgs: args.append,
          kaslr: args.kaslr,
          icount: args.icount,
          qemuArgs: args.qemuArg?.map(String),
          signal: abort.signal,
        });
        return { exitCode: r.exitCode, timedOut: r.timedOut, stdout: r.stdout?.toString('utf8') ?? '', stderr: r.stderr?.toString('utf8') ?? '' };
      },
      (line) => process.stderr.write(`guru: ${line}\n`),
    );
    process.stdout.write(args.json ? JSON.stringify(results, null, 2) + '\n' : formatKernelRunTable(results));
    return combinedExitCode(results, (r) => errorCodes.get(r.kernel) ?? 2);
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}
