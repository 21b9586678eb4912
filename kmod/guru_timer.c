// SPDX-License-Identifier: GPL-2.0
/*
 * guru runtime, timer family: timer:1s, timer:100ms (SystemTap's
 * timer.s(1), bpftrace's interval:s:1). Each timer probe is one hrtimer
 * that runs the probe's handler once a period while the module is armed.
 *
 * Why an hrtimer in soft mode. The handler must be able to log through
 * the event channel and read knobs, vars and counters, all of which are
 * lock-free and work in any context (guru_runtime.h); it must not sleep
 * (guru's per-CPU scratch needs preemption off). Of the kernel's periodic
 * mechanisms, a timer_list is jiffy-grained and drifts when re-armed from
 * its callback, a delayed work runs in a kworker (process context, and
 * 7.x warns about the system workqueues), and a hard hrtimer runs with
 * interrupts off. An hrtimer with HRTIMER_MODE_REL_SOFT runs in the
 * HRTIMER_SOFTIRQ, with interrupts on and bottom halves (so preemption)
 * off, and hrtimer_forward_now() keeps the period exact: the n-th run is
 * due n periods after start, whatever the handlers before it took.
 *
 * Context: softirq, on one CPU at a time for a given timer (the hrtimer
 * core never runs a timer's callback on two CPUs at once; it may move the
 * timer between runs). current is whatever task the CPU was running, so
 * the handler uses no task (the compiler refuses pid, comm, thread vars,
 * user memory there). It disables preemption itself, so it keeps the CPU
 * also where softirqs run in a preemptible thread (PREEMPT_RT). If the
 * CPU's scratch is owned (the softirq ran on the way out of an interrupt
 * that hit a probe handler), the run is skipped and counted, as for any
 * nested handler (guru_enter).
 *
 * Lifetime: load sets the hrtimers up, inert. They are started at arm
 * once the gate is open and the begin probes have run (start), and
 * cancelled first thing at disarm (stop), before the gate closes and the
 * end probes run: hrtimer_cancel() returns only once the timer is neither
 * queued nor running, also when its callback was re-queueing it at that
 * moment (it retries until the timer is inactive), so no run comes after
 * disarm and none can be in flight when the runtime waits out the other
 * handlers and runs the end probes. Unload (after disarm) cancels again,
 * which is then a no-op, and frees the timers: nothing of the hrtimer core
 * points into this module afterwards. All of load, start, stop and unload
 * run in process context under the runtime's control lock; none of them
 * takes a lock the callback takes (it takes none).
 *
 * Kernel versions: 6.13 replaced hrtimer_init() and the assignment of
 * ->function by hrtimer_setup() (7.x has only the latter).
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/version.h>
#include "guru_timer.h"

struct guru_timer_impl {
	struct hrtimer timer;
	struct guru_timer *def;
	ktime_t period;
};

static enum hrtimer_restart timer_fired(struct hrtimer *t)
{
	struct guru_timer_impl *impl = container_of(t, struct guru_timer_impl, timer);
	struct guru_timer *def = impl->def;
	u64 due = hrtimer_forward_now(t, impl->period);
	struct guru_probe *p = def->probe;

	/*
	 * Forwarded by more than one period: the runs in between were due
	 * while this CPU could not run the softirq (a long irq-off section,
	 * a stalled guest); they are lost, and counted.
	 */
	while (due-- > 1)
		guru_probe_skipped(p);
	preempt_disable();
	def->handler();
	preempt_enable();
	return HRTIMER_RESTART;
}

static void timer_init(struct guru_timer_impl *impl)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	hrtimer_setup(&impl->timer, timer_fired, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
#else
	hrtimer_init(&impl->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	impl->timer.function = timer_fired;
#endif
}

static void timers_unload(const struct guru_attach_set *set)
{
	struct guru_timer *defs = set->defs;
	unsigned int i;

	for (i = 0; i < set->n; i++) {
		if (!defs[i].impl)
			continue;
		hrtimer_cancel(&defs[i].impl->timer);
		kfree(defs[i].impl);
		defs[i].impl = NULL;
	}
}

static int timers_load(const struct guru_attach_set *set)
{
	struct guru_timer *defs = set->defs;
	unsigned int i;

	for (i = 0; i < set->n; i++) {
		struct guru_timer_impl *impl = kzalloc(sizeof(*impl), GFP_KERNEL);

		if (!impl) {
			timers_unload(set);
			return -ENOMEM;
		}
		impl->def = &defs[i];
		impl->period = ns_to_ktime(defs[i].period_ns);
		timer_init(impl);
		defs[i].impl = impl;
	}
	return 0;
}

/* The first run is one period after arm, as in SystemTap and bpftrace. */
static void timers_start(const struct guru_attach_set *set)
{
	struct guru_timer *defs = set->defs;
	unsigned int i;

	for (i = 0; i < set->n; i++)
		hrtimer_start(&defs[i].impl->timer, defs[i].impl->period, HRTIMER_MODE_REL_SOFT);
}

static void timers_stop(const struct guru_attach_set *set)
{
	struct guru_timer *defs = set->defs;
	unsigned int i;

	for (i = 0; i < set->n; i++)
		hrtimer_cancel(&defs[i].impl->timer);
}

const struct guru_family_ops guru_timer_ops = {
	.name = "timer",
	.load = timers_load,
	.start = timers_start,
	.stop = timers_stop,
	.unload = timers_unload,
};
