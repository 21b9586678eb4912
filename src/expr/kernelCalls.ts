// guru's allow-list of kernel functions a probe may call: SystemTap's
// band-aids drop to embedded C for these (`%{ key_put(...) %}`); guru
// calls them typed and checked instead. This table is the whole list,
// for a reviewer to read: each entry says what the function is, the
// prototype the target's BTF must give it, what it does to its context
// (may it sleep, which locks), which probes may call it, and why it is
// here. A call is checked when the spec is (compileExpression.ts,
// kernelCall): the function must exist in the target's BTF with this
// very prototype and be exported to modules; each argument must match
// its parameter (a pointer parameter takes a pointer of the same type:
// `$key`, `$task->real_parent`, `current`, `@cast(ADDR, "struct key")`);
// the probe's kind must allow it. kmod/guru_call.c makes the call, at
// once or deferred out of NMI context.
//
// A call is as safe as the same call in the kernel's own C at the probed
// place: guru defers it when interrupts are off (so an irq-safe lock the
// probed code holds is released first), but cannot know which objects the
// band-aid's pointers still own.
//
// Looked up for the list: SystemTap's security-band-aids/*.stp (sourceware
// systemtap, testsuite/systemtap.examples). Their embedded C calls one
// kernel function, key_put (cve-2016-0728); the rest write members
// (cve-2013-2094's perf attr config, cve-2018-14634's stack rlimit: writes
// through pointers) or use constants (cve-2016-5195's -EIO), and several
// kill the caller (raise(), and send_sig here for another task).
import type { KernelCallEntry } from './kernelCallTypes.js';

/** Kernel-side probe kinds: handlers that run in the probed kernel code's context. */
const KERNEL_KINDS = ['kprobe', 'kretprobe', 'syscall', 'syscall-return', 'statement', 'tracepoint'] as const;
/** Every kind that runs in a probed task (not begin/end, which run in guru's supervisor, nor timer, in the timer softirq). */
const TASK_KINDS = [...KERNEL_KINDS, 'uprobe', 'uretprobe'] as const;

export const KERNEL_CALLS: readonly KernelCallEntry[] = [
  {
    name: 'key_put',
    prototype: 'void key_put(struct key *key)',
    // refcount_dec_and_test; on the last reference the key_user's lock
    // (spin_lock_irqsave) and schedule_work (the pool's raw lock, irqs saved).
    context: 'irq-locks',
    kinds: KERNEL_KINDS,
    refusedWhy: 'a struct key * is at hand where kernel code runs, and guru calls key_put from probes on kernel code only',
    why: "CVE-2016-0728 (SystemTap's cve-2016-0728.stp): join_session_keyring took a reference to the keyring it rejoined and leaked it; the band-aid drops it",
    hint: 'call it at a kernel probe where a struct key * is at hand: key_put($keyring)',
  },
  {
    name: 'send_sig',
    prototype: 'int send_sig(int sig, struct task_struct *p, int priv)',
    // do_send_sig_info: lock_task_sighand (the task's siglock, irqs saved).
    context: 'irq-locks',
    kinds: TASK_KINDS,
    refusedWhy: 'begin and end run in guru\'s supervisor and timer probes in the timer softirq, not in a task the patch watches',
    pinTasks: [1],
    constantArgs: { 0: { min: 1, max: 64, what: 'a signal' } },
    why: 'band-aids that kill an exploit attempt (SystemTap\'s raise(9), kill_p): send_sig reaches another task than the current one, such as its parent; raise(SIG) is the current task\'s',
    hint: 'send_sig(SIGKILL, current->real_parent, 0) in a probe on what that task does; raise(SIG) signals the task the probe hit',
  },
  {
    name: 'msleep',
    prototype: 'void msleep(unsigned int msecs)',
    // schedule_timeout: sleeps.
    context: 'sleeps',
    kinds: [],
    refusedWhy: 'it sleeps, and no probe handler may: each runs with preemption off while it holds its CPU\'s scratch (kprobes hit through int3 run in NMI context on x86)',
    why: 'asked for by band-aids that would slow a racing exploit down (SystemTap scripts do it in embedded C); on the list so that guru says why it cannot be called',
    hint: 'a probe cannot wait; refuse the racing call instead ($return = -EAGAIN at its return probe) or kill it with raise(SIGKILL)',
  },
];

/** The entry for kernel function NAME, if the allow-list has it. */
export function kernelCallEntry(name: string): KernelCallEntry | undefined {
  return KERNEL_CALLS.find((c) => c.name === name);
}
