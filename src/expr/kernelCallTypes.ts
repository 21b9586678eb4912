// The shape of an entry of guru's allow-list of kernel functions
// (kernelCalls.ts), and of a call the expression compiler made of one.

/**
 * What a function may do to the context it is called in:
 * - `irq-locks`: never sleeps, but takes spinlocks (with interrupts
 *   saved). Called at once where interrupts are on; in NMI context (kprobes
 *   hit through int3 on x86) or with interrupts off, deferred through an
 *   irq_work until they are on again (kmod/guru_call.c).
 * - `sleeps`: may sleep. No probe handler may: each runs with preemption
 *   off while it holds its CPU's scratch. Refused at check time.
 */
export type KernelCallContext = 'irq-locks' | 'sleeps';

/** Plan kinds of probes (PlanProbe.kind), which say where a handler runs. */
export type ProbeKindName = 'kprobe' | 'kretprobe' | 'syscall' | 'syscall-return' | 'statement' | 'tracepoint' | 'uprobe' | 'uretprobe' | 'begin' | 'end' | 'timer';

export interface KernelCallEntry {
  /** The kernel function, which a spec calls by this name. */
  name: string;
  /**
   * Its C declaration, exactly as the target's BTF must declare it (guru's
   * BTF reader prints it that way); another prototype on some kernel is
   * refused there, since the entry was reviewed for this one.
   */
  prototype: string;
  context: KernelCallContext;
  /** The probe kinds whose handlers may call it; every other is refused, with `refusedWhy`. */
  kinds: readonly ProbeKindName[];
  /** Why every other kind is refused (or, for `sleeps`, every kind), said in the diagnostic. */
  refusedWhy: string;
  /** Arguments (0-based) that are a `struct task_struct *` to hold while a deferred call waits. */
  pinTasks?: readonly number[];
  /** Arguments (0-based) that must be known when the spec is checked, and their range. */
  constantArgs?: Readonly<Record<number, { min: number; max: number; what: string }>>;
  /** Why it is on the list: the band-aid that needs it. */
  why: string;
  /** What to do instead, where it is refused. */
  hint: string;
}
