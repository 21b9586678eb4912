// Where a probe's handler runs, which decides what a spec's expressions may
// mean there (a probe family says it: ProbeFamily.context).
//
//   task        in the task that hit the probe (kprobes, syscalls,
//               tracepoints, uprobes): where: guards, pid/comm/uid, thread
//               vars, user memory and raise() are that task's.
//   supervisor  begin and end: in guru's supervisor as it arms and
//               disarms the module, in process context, with no probed
//               code (no pt_regs); the task builtins are the supervisor's.
//   timer       timer probes: in the kernel's timer softirq while the
//               module is armed, with no pt_regs and no task of their own
//               (current is whatever the CPU was running): only what is
//               no task's (global vars, params, nsecs, cpu, log(), stop())
//               has a meaning there.
export type HandlerContext = 'task' | 'supervisor' | 'timer';
