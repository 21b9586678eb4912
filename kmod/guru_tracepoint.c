// SPDX-License-Identifier: GPL-2.0
/*
 * guru runtime, tracepoint family: probes on trace events, with the event's
 * fields (docs/architecture.md, "Tracepoints", says why it is done so).
 *
 * A tracepoint's own probe functions (tracepoint_probe_register) get the
 * TP_PROTO arguments, not the event's fields: those are what TP_fast_assign
 * computes into a record for tracers. A kernel perf counter on the event
 * (PERF_TYPE_TRACEPOINT, PERF_SAMPLE_RAW, a sample per event) gets that very
 * record in its overflow handler, as perf record does, laid out as
 * events/SYSTEM/EVENT/format says; guru reads that layout from the same
 * kernel at build time. syscalls:sys_enter_NAME and sys_exit_NAME are no
 * tracepoints of their own: the kernel's perf syscall probe on
 * raw_syscalls:sys_enter / sys_exit filters by syscall number and records
 * the arguments (or the return value), so they come the same way.
 *
 * Contexts: the overflow handler runs where the event fires, with
 * preemption disabled, maybe with interrupts off or in NMI context (events
 * fired from NMI handlers). guru_enter() owns the CPU's scratch, skipping a
 * nested call, and the runtime's rings, counters and thread variables take
 * no locks, so any context is fine. The record is perf's per-CPU buffer,
 * valid for the call only.
 *
 * Lifetime: load finds the event (trace_get_event_file, which pins the
 * module that defines it) and creates one counter per online CPU, disabled;
 * arm and disarm enable and disable them (the runtime then waits out
 * handlers in flight); unload releases them, then waits in
 * tracepoint_synchronize_unregister() until no CPU can still be inside a
 * tracepoint callback that leads here, before this module's code may go.
 *
 * CPUs brought online after load see no events (a counter is per CPU),
 * and neither does one taken offline and back meanwhile: perf detaches a
 * CPU's events when it goes offline and does not bring them back.
 */
#include <linux/module.h>
#include <linux/err.h>
#include <linux/perf_event.h>
#include <linux/slab.h>
#include <linux/trace_events.h>
#include <linux/tracepoint.h>
#include "guru_tracepoint.h"

struct guru_tracepoint_impl {
	struct trace_event_file *file;
	struct perf_event *events[];	/* [nr_cpu_ids]; NULL for CPUs offline at load */
};

static void skip_all(const struct guru_tracepoint *tp)
{
	unsigned int i;

	for (i = 0; i < tp->nprobes; i++)
		guru_probe_skipped(tp->probes[i]);
}

static void tp_overflow(struct perf_event *event, struct perf_sample_data *data, struct pt_regs *regs)
{
	const struct guru_tracepoint *tp = event->overflow_handler_context;
	const struct perf_raw_record *raw = (data->sample_flags & PERF_SAMPLE_RAW) ? data->raw : NULL;

	/* A tracepoint's record is one fragment; anything else is not the layout guru read. */
	if (!raw || !perf_raw_frag_last(&raw->frag) || raw->frag.size < tp->min_size) {
		skip_all(tp);
		return;
	}
	tp->handler(regs, raw->frag.data, raw->frag.size);
}

static void release_events(struct guru_tracepoint *tp)
{
	unsigned int cpu;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (tp->impl->events[cpu])
			perf_event_release_kernel(tp->impl->events[cpu]);
}

static void free_tracepoint(struct guru_tracepoint *tp)
{
	trace_put_event_file(tp->impl->file);
	kfree(tp->impl);
	tp->impl = NULL;
}

static int load_tracepoint(struct guru_tracepoint *tp)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.sample_period = 1,
		/*
		 * With the period in each sample, perf hands over an event whose
		 * count is not 1 (sched_stat_runtime counts its runtime in ns:
		 * __perf_count) as one sample of that period. Without it, its
		 * software-event path calls the handler once per counted unit, up
		 * to its throttle: hundreds of copies of one record, then losses.
		 */
		.sample_type = PERF_SAMPLE_RAW | PERF_SAMPLE_PERIOD,
		.disabled = 1,
	};
	struct trace_event_file *file;
	unsigned int cpu;
	int err = 0;

	file = trace_get_event_file(NULL, tp->system, tp->event);
	if (IS_ERR(file)) {
		pr_err("%s: no trace event %s:%s in this kernel (is the module that defines it loaded?): %ld\n",
		       guru_this.name, tp->system, tp->event, PTR_ERR(file));
		return PTR_ERR(file);
	}
	tp->impl = kzalloc(struct_size(tp->impl, events, nr_cpu_ids), GFP_KERNEL);
	if (!tp->impl) {
		trace_put_event_file(file);
		return -ENOMEM;
	}
	tp->impl->file = file;
	attr.config = file->event_call->event.type;
	/*
	 * No cpus_read_lock() around this: the first counter on an event
	 * registers the tracepoint, which takes the hotplug lock itself
	 * (static keys, static calls), and a nested read of it deadlocks
	 * against a waiting hotplug writer. perf checks that the CPU is
	 * online under its own lock; one that went offline meanwhile
	 * (-ENODEV) is like one that was offline at load.
	 */
	for_each_online_cpu(cpu) {
		struct perf_event *ev = perf_event_create_kernel_counter(&attr, cpu, NULL, tp_overflow, tp);

		if (IS_ERR(ev) && PTR_ERR(ev) == -ENODEV)
			continue;
		if (IS_ERR(ev)) {
			err = PTR_ERR(ev);
			pr_err("%s: a perf counter on %s:%s for CPU %u: %d\n", guru_this.name, tp->system, tp->event, cpu, err);
			break;
		}
		tp->impl->events[cpu] = ev;
	}
	if (err) {
		release_events(tp);
		tracepoint_synchronize_unregister();
		free_tracepoint(tp);
	}
	return err;
}

static int tracepoints_load(const struct guru_attach_set *set)
{
	struct guru_tracepoint *tps = set->defs;
	unsigned int i;
	int err;

	for (i = 0; i < set->n; i++) {
		err = load_tracepoint(&tps[i]);
		if (err) {
			while (i--) {
				release_events(&tps[i]);
				tracepoint_synchronize_unregister();
				free_tracepoint(&tps[i]);
			}
			return err;
		}
	}
	return 0;
}

static void set_enabled(const struct guru_attach_set *set, bool on)
{
	struct guru_tracepoint *tps = set->defs;
	unsigned int i, cpu;

	for (i = 0; i < set->n; i++)
		for (cpu = 0; cpu < nr_cpu_ids; cpu++)
			if (tps[i].impl->events[cpu])
				(on ? perf_event_enable : perf_event_disable)(tps[i].impl->events[cpu]);
}

static int tracepoints_arm(const struct guru_attach_set *set)
{
	set_enabled(set, true);
	return 0;
}

static void tracepoints_disarm(const struct guru_attach_set *set)
{
	set_enabled(set, false);
}

static void tracepoints_unload(const struct guru_attach_set *set)
{
	struct guru_tracepoint *tps = set->defs;
	unsigned int i;

	for (i = 0; i < set->n; i++)
		release_events(&tps[i]);
	/*
	 * No CPU is inside tp_overflow (or on its way there) after this:
	 * tracepoint callbacks are waited for by
	 * tracepoint_synchronize_unregister() (on 7.x SRCU and tasks-trace
	 * RCU only), and perf events raised outside a tracepoint, with
	 * preemption disabled, by synchronize_rcu().
	 */
	tracepoint_synchronize_unregister();
	synchronize_rcu();
	for (i = 0; i < set->n; i++)
		free_tracepoint(&tps[i]);
}

const struct guru_family_ops guru_tracepoint_ops = {
	.name = "tracepoint",
	.load = tracepoints_load,
	.arm = tracepoints_arm,
	.disarm = tracepoints_disarm,
	.unload = tracepoints_unload,
};
