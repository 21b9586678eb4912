// What a raise(SIG) record says, as the events and the summary print it:
// `SIGKILL sent to pid 123`, or why it was not sent.
import os from 'node:os';
import type { GuruEvent } from './decodeRecords.js';

type SignalEvent = Extract<GuruEvent, { type: 'signal' }>;

/** By number, the first name Node lists for it (SIGABRT before SIGIOT, SIGIO before SIGPOLL). */
const NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(os.constants.signals)) if (!NAMES.has(n)) NAMES.set(n, name);

/** SIGKILL for 9; SIGRTMIN+N and plain numbers for the rest. */
export function signalName(sig: number): string {
  return NAMES.get(sig) ?? (sig >= 32 && sig <= 64 ? `SIGRTMIN+${sig - 32}` : `signal ${sig}`);
}

/** Why the kernel side did not send it (kmod/guru_signal.c). */
const NOT_SENT: Readonly<Record<number, string>> = {
  1: 'EPERM: a kernel thread, an exiting task or init',
  16: 'EBUSY: too many signals from NMI context in flight',
  3: 'ESRCH: no such task',
  22: 'EINVAL: not a signal',
};

export function signalOutcome(e: SignalEvent): string {
  const what = `raise(${signalName(e.sig)})`;
  if (e.result >= 0) return `${what} sent to pid ${e.pid}${e.result === 1 ? ' (from an irq_work: the probe ran in NMI context)' : ''}`;
  return `${what} for pid ${e.pid} not sent: ${NOT_SENT[-e.result] ?? `error ${e.result}`}`;
}
