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
 * CPU hotplug: a counter is bound to its CPU, and perf detaches a CPU's
 * counters for good when it goes offline, so a CPU that comes online after
 * load (or back online) needs new ones. A dynamic hotplug state's online
 * callback marks the CPU and queues hotplug_work, which replaces its
 * counters. Not in the callback itself: it runs under the hotplug lock,
 * and making or freeing a tracepoint counter takes event_mutex, which
 * tracing holds while it takes the hotplug lock (registering a
 * tracepoint flips static keys), so the two orders would deadlock. So
 * events on a CPU in the moment between its coming online and the work
 * running are not seen. A CPU gone offline keeps its dead counters until
 * it is back or the module unloads.
 *
 * Locks: tp_lock guards the counters (events[]) and `armed` among load,
 * arm/disarm (process context, under the runtime's control lock) and
 * hotplug_work. Its order is tp_lock, then perf's and tracing's locks and
 * the hotplug lock's read side (a first counter registers the
 * tracepoint); the hotplug callback, which runs under the write side,
 * takes none of them, and the hotplug state is set up and removed
 * without tp_lock held.
 */
#include <linux/module.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/perf_event.h>
#include <linux/slab.h>
#include <linux/trace_events.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>
#include "guru_tracepoint.h"

struct guru_tracepoint_impl {
	struct trace_event_file *file;
	struct perf_event *events[];	/* [nr_cpu_ids]; NULL for a CPU with none (offline at load) */
};

/*
 * A module has one set of tracepoints (templates/partials/tracepoint.hbs)
 * and a copy of this runtime of its own, so these are that set's.
 */
static DEFINE_MUTEX(tp_lock);
static const struct guru_attach_set *tp_set;	/* the set, once all of it is loaded (for hotplug_work) */
static bool armed;				/* new counters start enabled */
static int hp_state;				/* the dynamic hotplug state (> 0), if one was free */
static struct cpumask hp_pending;		/* CPUs come online whose counters are not yet renewed */

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

/*
 * A counter on TP's event for CPU, enabled if the module is armed. NULL if
 * the CPU is offline (perf checks under its own lock); an ERR_PTR on any
 * other failure. Process context, may sleep.
 */
static struct perf_event *new_counter(struct guru_tracepoint *tp, unsigned int cpu, bool enabled)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.config = tp->impl->file->event_call->event.type,
		.sample_period = 1,
		/*
		 * With the period in each sample, perf hands over an event whose
		 * count is not 1 (sched_stat_runtime counts its runtime in ns:
		 * __perf_count) as one sample of that period. Without it, its
		 * software-event path calls the handler once per counted unit, up
		 * to its throttle: hundreds of copies of one record, then losses.
		 */
		.sample_type = PERF_SAMPLE_RAW | PERF_SAMPLE_PERIOD,
		.disabled = !enabled,
	};
	struct perf_event *ev = perf_event_create_kernel_counter(&attr, cpu, NULL, tp_overflow, tp);

	if (IS_ERR(ev) && PTR_ERR(ev) == -ENODEV)
		return NULL;
	return ev;
}

static void release_events(struct guru_tracepoint *tp)
{
	unsigned int cpu;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		if (tp->impl->events[cpu])
			perf_event_release_kernel(tp->impl->events[cpu]);
		tp->impl->events[cpu] = NULL;
	}
}

static void free_tracepoint(struct guru_tracepoint *tp)
{
	trace_put_event_file(tp->impl->file);
	kfree(tp->impl);
	tp->impl = NULL;
}

/* Give CPU, which came online, new counters in place of its dead ones. Under tp_lock. */
static void renew_cpu(unsigned int cpu)
{
	struct guru_tracepoint *tps = tp_set->defs;
	unsigned int i;

	for (i = 0; i < tp_set->n; i++) {
		struct guru_tracepoint *tp = &tps[i];
		struct perf_event *ev = new_counter(tp, cpu, armed);

		if (IS_ERR(ev)) {
			pr_warn("%s: no perf counter on %s:%s for CPU %u, which came online: %ld; its events are not seen\n",
				guru_this.name, tp->system, tp->event, cpu, PTR_ERR(ev));
			ev = NULL;
		}
		if (tp->impl->events[cpu])
			perf_event_release_kernel(tp->impl->events[cpu]);
		/* NULL if CPU went offline again meanwhile: its next online queues this again. */
		tp->impl->events[cpu] = ev;
	}
}

static void hotplug_fn(struct work_struct *work)
{
	unsigned int cpu;

	mutex_lock(&tp_lock);
	/*
	 * Before the set is loaded, load itself makes the counters of every
	 * CPU online then; one that comes online later queues this again.
	 */
	if (tp_set)
		for_each_cpu(cpu, &hp_pending)
			if (cpumask_test_and_clear_cpu(cpu, &hp_pending))
				renew_cpu(cpu);
	mutex_unlock(&tp_lock);
}
static DECLARE_WORK(hotplug_work, hotplug_fn);

/*
 * Startup of the dynamic hotplug state: on CPU, in its hotplug thread,
 * under the hotplug lock (see the top for why the work is done later).
 * Does not sleep and cannot fail, so a CPU always comes online.
 */
static int tp_cpu_online(unsigned int cpu)
{
	cpumask_set_cpu(cpu, &hp_pending);
	/*
	 * system_long_wq: making perf counters for every event may take long
	 * under emulation, and 7.x warns about (and may move) works that hog
	 * system_wq's CPU, as it did for the ttl work (guru_runtime.c).
	 * Events on CPU before the work has run are not seen, nor counted:
	 * CPU has no counter to count them yet.
	 */
	queue_work(system_long_wq, &hotplug_work);
	return 0;
}

static int load_tracepoint(struct guru_tracepoint *tp)
{
	struct trace_event_file *file;
	unsigned int cpu;

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
	/*
	 * No cpus_read_lock() around this: the first counter on an event
	 * registers the tracepoint, which takes the hotplug lock itself
	 * (static keys, static calls), and a nested read of it deadlocks
	 * against a waiting hotplug writer. A CPU that goes offline meanwhile
	 * gets no counter or a dead one, and one that comes online is renewed
	 * by hotplug_work: the hotplug state is set up before this.
	 */
	for_each_online_cpu(cpu) {
		struct perf_event *ev = new_counter(tp, cpu, false);

		if (IS_ERR(ev)) {
			pr_err("%s: a perf counter on %s:%s for CPU %u: %ld\n", guru_this.name, tp->system, tp->event, cpu, PTR_ERR(ev));
			return PTR_ERR(ev);	/* the caller releases what was made */
		}
		tp->impl->events[cpu] = ev;
	}
	return 0;
}

/* Undo load: no hotplug callback, work, or handler can reach here afterwards. */
static void unload_all(const struct guru_attach_set *set)
{
	struct guru_tracepoint *tps = set->defs;
	unsigned int i;

	if (hp_state > 0)
		cpuhp_remove_state_nocalls(hp_state);	/* no hotplug operation runs during this */
	hp_state = 0;
	cancel_work_sync(&hotplug_work);	/* nothing queues it any more */
	mutex_lock(&tp_lock);
	for (i = 0; i < set->n; i++)
		if (tps[i].impl)
			release_events(&tps[i]);
	tp_set = NULL;
	mutex_unlock(&tp_lock);
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
		if (tps[i].impl)
			free_tracepoint(&tps[i]);
}

static int tracepoints_load(const struct guru_attach_set *set)
{
	struct guru_tracepoint *tps = set->defs;
	unsigned int i;
	int err = 0;

	if (WARN_ON(tp_set))	/* one set per module (see tp_set) */
		return -EBUSY;
	/*
	 * The hotplug state first, so that a CPU that comes online while the
	 * counters are made is renewed once they are. Dynamic states are a
	 * few dozen for the whole kernel: without one, the module still works
	 * on the CPUs online now, and says so.
	 */
	hp_state = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, guru_this.name, tp_cpu_online, NULL);
	if (hp_state < 0)
		pr_warn("%s: no CPU hotplug state (%d): CPUs brought online from now on get no tracepoint probes\n",
			guru_this.name, hp_state);
	mutex_lock(&tp_lock);
	for (i = 0; i < set->n && !err; i++)
		err = load_tracepoint(&tps[i]);
	if (!err)
		tp_set = set;
	mutex_unlock(&tp_lock);
	if (err)
		unload_all(set);
	return err;
}

static void set_enabled(const struct guru_attach_set *set, bool on)
{
	struct guru_tracepoint *tps = set->defs;
	unsigned int i, cpu;

	mutex_lock(&tp_lock);
	armed = on;
	for (i = 0; i < set->n; i++)
		for (cpu = 0; cpu < nr_cpu_ids; cpu++)
			if (tps[i].impl->events[cpu])
				(on ? perf_event_enable : perf_event_disable)(tps[i].impl->events[cpu]);
	mutex_unlock(&tp_lock);
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
	unload_all(set);
}

const struct guru_family_ops guru_tracepoint_ops = {
	.name = "tracepoint",
	.load = tracepoints_load,
	.arm = tracepoints_arm,
	.disarm = tracepoints_disarm,
	.unload = tracepoints_unload,
};
