// Start QEMU so that it cannot outlive guru: it runs under
// `setpriv --pdeathsig KILL`, which makes the kernel SIGKILL it the moment
// its parent (guru) dies, however guru dies — SIGKILL included, where no
// handler or finally block of ours would run. QEMU 7.2 has no option of its
// own for this (-run-with exit-with-parent= came in 8.x), and closing its
// chardev sockets does not make it exit.
//
// The channels to the guest are socketpairs Node creates for extra stdio
// slots (fd 3, 4, ...); QEMU takes them as `-chardev socket,fd=N`.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { EnvironmentError } from '../errors.js';

export interface QemuProcess {
  child: ChildProcess;
  /** One readable per extra channel, in the order given (fd 3, 4, ...). */
  channels: Readable[];
  /** QEMU's own stderr so far (its error messages), bounded. */
  stderrText(): string;
  /** Resolves with QEMU's exit code (or signal) once it has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

/** The fd number QEMU sees for channel I. */
export function channelFd(i: number): number {
  return 3 + i;
}

export function startQemu(argv: readonly string[], channelCount: number): QemuProcess {
  const [binary, ...args] = argv;
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', binary, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', ...Array<'pipe'>(channelCount).fill('pipe')],
  });
  let stderr = '';
  const keep = (chunk: Buffer): void => {
    stderr = (stderr + chunk.toString('utf8')).slice(-8192);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT'
          ? new EnvironmentError('setpriv is missing; guru needs it to tie QEMU to its own lifetime', 'apt-get install util-linux')
          : err,
      );
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const channels = Array.from({ length: channelCount }, (_, i) => child.stdio[channelFd(i)] as Readable);
  return {
    child,
    channels,
    stderrText: () => stderr,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
