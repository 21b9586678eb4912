// Run one command in a disposable VM booted on a stored kernel, and return
// its exit code. The guest sees the host's root read-only (plus a tmpfs
// overlay), so it runs the host's own binaries in the host's cwd; its
// stdout/stderr stream back over virtio console ports while it runs.
//
// Completion: the guest's init reports `guru-exit CODE OUT ERR` on a status
// port, with the byte counts its kernel queued on each output port; once the
// host has received that many bytes QEMU is killed (nothing in the guest is
// worth a clean shutdown). A timeout kills QEMU and reports timedOut.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { EnvironmentError, UserError } from '../errors.js';
import type { VmKernel } from './vmKernel.js';
import type { Accelerator, TcgThreads } from './accelerator.js';
import { guestCommandScript, guestVmEnv } from './guestCommand.js';
import { parseGuestStatus, type GuestStatus } from './guestStatus.js';
import { guestInitramfs } from './initramfs.js';
import { qemuArgv } from './qemuCommandLine.js';
import { channelFd, startQemu } from './qemuProcess.js';
import { chooseVmPolicy, QEMU_BINARY, type VmPolicy } from './vmPolicy.js';

export { VM_TIMEOUT_EXIT_CODE, VM_INTERRUPTED_EXIT_CODE } from './vmExitCodes.js';
import { VM_TIMEOUT_EXIT_CODE, VM_INTERRUPTED_EXIT_CODE } from './vmExitCodes.js';

export interface RunInVmOptions {
  kernel: VmKernel;
  /** The command and its arguments, resolved through PATH in the guest. */
  argv: string[];
  /** Guest cwd; the guest sees the host's tree, so the default is the host's cwd. */
  cwd?: string;
  /** Added to (and overriding) the default guest environment (PATH, HOME=/root, TERM, LANG). */
  env?: Record<string, string>;
  /** Hard limit for boot + command; QEMU is killed when it passes. */
  timeoutMs: number;
  memMB?: number;
  cpus?: number;
  /** 'inherit': the command's output goes to this process's stdout/stderr; 'pipe': it is returned (and given to the callbacks). */
  stdio: 'inherit' | 'pipe';
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** The guest's serial console (kernel messages at error level and above, init failures). */
  onConsole?: (chunk: Buffer) => void;
  /** Extra kernel command-line words, e.g. ['nokaslr']. */
  kernelArgs?: string[];
  /** Aborting kills the VM; the result then has interrupted: true. */
  signal?: AbortSignal;
  /** Force an accelerator instead of the probed choice. */
  accel?: Accelerator;
  /** How TCG runs several guest CPUs (vmPolicy.ts tcgThreads: 'single' unless GURU_VM_TCG_THREADS says otherwise). */
  tcgThreads?: TcgThreads;
  /** Randomize the kernel's base address (boots the compressed image: ~2 s slower under TCG). Default off. */
  kaslr?: boolean;
  /**
   * Deterministic instruction counting (QEMU `-icount shift=0,sleep=off`,
   * TCG only): the guest's clock then advances 1 ns per guest instruction.
   */
  icount?: boolean;
  /** More QEMU arguments, appended as they are (e.g. ['-icount', 'shift=2']). */
  qemuArgs?: string[];
}

export interface VmRunResult {
  /** The command's exit code (128+N if a signal killed it); VM_TIMEOUT_EXIT_CODE / VM_INTERRUPTED_EXIT_CODE otherwise. */
  exitCode: number;
  timedOut: boolean;
  interrupted: boolean;
  accel: Accelerator;
  accelReason: string;
  /** From starting QEMU to having the command's result. */
  durationMs: number;
  /** Collected output when stdio is 'pipe'. */
  stdout?: Buffer;
  stderr?: Buffer;
}

export async function runInVm(opts: RunInVmOptions): Promise<VmRunResult> {
  if (opts.argv.length === 0) throw new UserError('no command to run in the VM', 'put it after --, e.g. guru vm -- uname -r');
  const policy = await chooseVmPolicy(
    // Instruction counting is TCG's: KVM runs the guest on the real CPU.
    { kernel: opts.kernel, memMB: opts.memMB, cpus: opts.cpus, kernelArgs: opts.kernelArgs, accel: opts.icount ? 'tcg' : opts.accel, kaslr: opts.kaslr, tcgThreads: opts.tcgThreads },
    () => kvmBootsHere(opts.kernel),
  );
  return runSession(policy, opts);
}

/** The KVM probe: does a real boot of this kernel under KVM finish `true` promptly? */
async function kvmBootsHere(kernel: VmKernel): Promise<boolean> {
  try {
    const r = await runInVm({ kernel, argv: ['true'], timeoutMs: 15_000, stdio: 'pipe', accel: 'kvm' });
    return r.exitCode === 0 && !r.timedOut;
  } catch {
    return false;
  }
}

/** How long to wait for output bytes the status line says are in flight. */
const DRAIN_GRACE_MS = 10_000;

async function runSession(policy: VmPolicy, opts: RunInVmOptions): Promise<VmRunResult> {
  requireQemu();
  const initrd = await guestInitramfs(opts.kernel);
  const runDir = makeRunDir();
  try {
    fs.writeFileSync(path.join(runDir, 'vm.env'), guestVmEnv({ release: opts.kernel.release, modulesDir: opts.kernel.modulesDir }));
    fs.writeFileSync(
      path.join(runDir, 'command.sh'),
      guestCommandScript({ argv: opts.argv, cwd: opts.cwd ?? process.cwd(), env: { ...defaultGuestEnv(), ...opts.env } }),
    );
    const channels = ['serial', 'guru.stdout', 'guru.stderr', 'guru.status'] as const;
    const argv = qemuArgv({
      binary: QEMU_BINARY,
      accel: policy.accel,
      tcgThreads: policy.tcgThreads,
      cpuModel: policy.cpuModel,
      cpus: policy.cpus,
      memMB: policy.memMB,
      machineType: policy.machineType,
      bios: policy.bios,
      kernel: policy.kernelImage,
      initrd,
      append: [...policy.kernelArgs, `guru.run=${runDir}`].join(' '),
      share: { hostPath: '/', tag: 'hostroot' },
      serialFd: channelFd(0),
      ports: channels.slice(1).map((name, i) => ({ name, fd: channelFd(i + 1) })),
      icount: opts.icount,
      extraArgs: opts.qemuArgs,
    });
    return await supervise(policy, opts, argv, channels.length);
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

function supervise(policy: VmPolicy, opts: RunInVmOptions, argv: string[], channelCount: number): Promise<VmRunResult> {
  return new Promise<VmRunResult>((resolve, reject) => {
    const started = Date.now();
    const qemu = startQemu(argv, channelCount);
    const [serial, out, err, status] = qemu.channels as [Readable, Readable, Readable, Readable];
    let consoleTail = '';
    const received = { out: 0, err: 0 };
    const collected: { out: Buffer[]; err: Buffer[] } = { out: [], err: [] };
    let statusText = '';
    let guestStatus: GuestStatus | undefined;
    let statusAt = 0;
    let settled = false;
    const closedSinks = new Set<NodeJS.WriteStream>();
    const sinkListeners: (() => void)[] = [];

    const result = (exitCode: number, extra: Partial<VmRunResult> = {}): VmRunResult => ({
      exitCode,
      timedOut: false,
      interrupted: false,
      accel: policy.accel,
      accelReason: policy.accelReason,
      durationMs: Date.now() - started,
      ...(opts.stdio === 'pipe' ? { stdout: Buffer.concat(collected.out), stderr: Buffer.concat(collected.err) } : {}),
      ...extra,
    });
    const failure = (what: string): EnvironmentError =>
      new EnvironmentError(`${what}${describeTail(consoleTail, qemu.stderrText())}`, 'run with --console to watch the guest console');

    const finish = (outcome: () => VmRunResult | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearInterval(poll);
      opts.signal?.removeEventListener('abort', onAbort);
      for (const off of sinkListeners) off();
      qemu.kill();
      // Settle only once QEMU is gone, so callers (and tests) never see it linger.
      qemu.exited.then(
        () => {
          const o = outcome();
          if (o instanceof Error) reject(o);
          else resolve(o);
        },
        (e: unknown) => reject(e),
      );
    };

    const check = (): void => {
      if (settled || !guestStatus) return;
      if (guestStatus.kind === 'error') {
        const message = guestStatus.message;
        finish(() => failure(`the VM could not run the command: ${message}`));
        return;
      }
      const s = guestStatus;
      const complete = received.out >= s.stdoutBytes && received.err >= s.stderrBytes;
      if (complete || Date.now() - statusAt > DRAIN_GRACE_MS) finish(() => result(s.exitCode));
    };

    serial.on('data', (chunk: Buffer) => {
      consoleTail = (consoleTail + chunk.toString('utf8')).slice(-16384);
      opts.onConsole?.(chunk);
    });
    // A reader that went away (`guru vm -- cmd | head -1`) must not crash us:
    // keep counting bytes, stop writing them.
    const forward = (stream: Readable, which: 'out' | 'err'): void => {
      const sink = which === 'out' ? process.stdout : process.stderr;
      if (opts.stdio === 'inherit') {
        const onError = (): void => void closedSinks.add(sink);
        sink.on('error', onError);
        sinkListeners.push(() => sink.off('error', onError));
      }
      stream.on('data', (chunk: Buffer) => {
        received[which] += chunk.length;
        if (opts.stdio === 'pipe') collected[which].push(chunk);
        else if (!closedSinks.has(sink)) sink.write(chunk);
        (which === 'out' ? opts.onStdout : opts.onStderr)?.(chunk);
        check();
      });
    };
    forward(out, 'out');
    forward(err, 'err');
    status.on('data', (chunk: Buffer) => {
      statusText += chunk.toString('utf8');
      for (const line of statusText.split('\n').slice(0, -1)) guestStatus ??= parseGuestStatus(line);
      if (guestStatus && !statusAt) statusAt = Date.now();
      check();
    });

    const deadline = setTimeout(() => finish(() => result(VM_TIMEOUT_EXIT_CODE, { timedOut: true })), opts.timeoutMs);
    // Output still in flight after the status: re-check until the grace period ends.
    const poll = setInterval(check, 500);
    const onAbort = (): void => finish(() => result(VM_INTERRUPTED_EXIT_CODE, { interrupted: true }));
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort);

    qemu.exited.then(
      ({ code, signal }) => {
        if (settled) return;
        // The channels may still hold the last bytes (the status among them): let them drain first.
        setTimeout(() => {
          check();
          const how = signal ? `QEMU was killed by ${signal}` : `QEMU exited with code ${code}`;
          finish(() => failure(`the VM stopped before the command finished (${how})`));
        }, 50);
      },
      (e: unknown) => finish(() => (e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

function describeTail(consoleTail: string, qemuStderr: string): string {
  const parts: string[] = [];
  const console = consoleTail.trim();
  if (console) parts.push(`guest console (last lines):\n${lastLines(console, 60)}`);
  const q = qemuStderr.trim();
  if (q) parts.push(`QEMU said:\n${lastLines(q, 10)}`);
  return parts.length ? `\n${parts.join('\n')}` : '';
}

function lastLines(text: string, n: number): string {
  return text.split('\n').slice(-n).map((l) => `  ${l}`).join('\n');
}

function defaultGuestEnv(): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    USER: 'root',
    LOGNAME: 'root',
    TERM: process.env.TERM ?? 'dumb',
  };
  for (const key of ['LANG', 'LC_ALL', 'TZ']) {
    const v = process.env[key];
    if (v !== undefined) env[key] = v;
  }
  return env;
}

/**
 * The run folder's path goes on the kernel command line (split at spaces)
 * and is read by the guest through 9p, so it must be plain.
 */
function makeRunDir(): string {
  const base = /^[A-Za-z0-9/._-]+$/.test(os.tmpdir()) ? os.tmpdir() : '/tmp';
  removeOrphanedRunDirs(base);
  return fs.mkdtempSync(path.join(base, `guru-vm-${process.pid}-`));
}

/** Run folders of guru processes that were killed (SIGKILL leaves no chance to clean up). */
function removeOrphanedRunDirs(base: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^guru-vm-(\d+)-/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') continue;
      try {
        fs.rmSync(path.join(base, name), { recursive: true, force: true });
      } catch {
        // Another user's: not ours to remove.
      }
    }
  }
}

function requireQemu(): void {
  const found = (process.env.PATH ?? '').split(':').some((dir) => dir && fs.existsSync(path.join(dir, QEMU_BINARY)));
  if (!found) throw new EnvironmentError(`${QEMU_BINARY} is not installed`, 'apt-get install qemu-system-x86');
}
