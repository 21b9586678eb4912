// The timer family: `timer:1s`, `timer:100ms` (SystemTap's timer.s(1),
// timer.ms(100); bpftrace's interval:s:1). A handler the runtime runs every
// period while the module is armed, from the first period after the begin
// probes to the disarm, before the end probes (kmod/guru_timer.c: an
// hrtimer in soft mode, so the handler runs in the timer softirq).
//
// The third kind of handler (src/expr/handlerContext.ts): no probed code,
// so no pt_regs, no target variables and nothing to write; and no task of
// its own, unlike begin/end (which run in the supervisor), so the where:
// guard, pid, comm, thread vars, user memory and raise() mean nothing
// there and the expression compiler refuses them. Global vars, params
// (enabled among them: 0 makes each run a counted miss), nsecs, cpu,
// log() and stop() work.
import type { TimerPlacement } from './types.js';
import { timerSpelling, type TimerPoint } from './spelling.js';
import type { ProbeFamily } from '../types.js';

const NO_TARGETS = 'a timer probe runs in the kernel\'s timer softirq, not in probed code: it has no arguments, return value or fields; it reads vars, params, nsecs and cpu';

/** The period as guru writes it: 1s, 100ms. */
function periodText(periodMs: number): string {
  return periodMs % 1000 === 0 ? `${periodMs / 1000}s` : `${periodMs}ms`;
}

/** The period in nanoseconds as a C constant. */
function periodNs(periodMs: number): string {
  return `${BigInt(periodMs) * 1_000_000n}ULL`;
}

export const timerFamily: ProbeFamily<TimerPlacement, TimerPoint> = {
  spellings: timerSpelling,
  name: 'timer',
  spelling: 'timer:Ns, timer:Nms',
  kinds: ['timer'],
  points: ['timer'],
  context: 'timer',
  runtime: ['guru_timer.c', 'guru_timer.h'],
  resolve: (point) => ({
    targets: new Map(),
    unavailableTargets: new Map(),
    readOnly: new Map(),
    writeWarnings: new Map(),
    unknownTargetNote: NO_TARGETS,
    placement: { kind: 'timer', periodMs: point.periodMs },
  }),
  kernelStackRefused: {
    message: 'would show the timer softirq\'s stack, not any probed code',
    hint: 'a timer interrupts whatever its CPU was running: take stacks in probes on the code you care about',
  },
  body: () => ({ params: 'void', hasRegs: false, enter: 'guru_enter_timer', setup: [] }),
  render: (probes, ctx) => ({
    declarations: [{ partial: 'timer', include: true, timers: [] }],
    definitions: [
      {
        partial: 'timer',
        include: false,
        timers: probes.map((p) => ({ id: p.id, on: p.on, period: periodText(p.periodMs), periodNs: periodNs(p.periodMs), fn: ctx.probeFn(p) })),
      },
    ],
    attachSets: ['{ .ops = &guru_timer_ops, .defs = guru_timers, .n = ARRAY_SIZE(guru_timers) }'],
  }),
  where: () => '',
  describe: (p) => [`    every ${periodText(p.periodMs)} while armed, from one period after the begin probes until disarm; in the timer softirq, no target variables`],
};
