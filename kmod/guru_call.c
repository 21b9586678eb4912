// SPDX-License-Identifier: GPL-2.0
/*
 * guru runtime, typed kernel calls (src/expr/kernelCalls.ts is the
 * allow-list and says why each function is on it): the generated C wraps
 * each called function in a guru_call_fn that takes its arguments as u64s;
 * this file decides when it runs.
 *
 * Contexts: a function guru lets a probe call never sleeps (the allow-list
 * refuses those at check time), but it may take spinlocks, always with
 * interrupts saved (key_put's key_user lock and the workqueue pool's lock,
 * send_sig's siglock). Those are taken at once where interrupts are on. A
 * kprobe hit through int3 runs in NMI context on x86, where no lock may be
 * taken, and a probe with interrupts off may sit inside the very section
 * that holds one: there the arguments are copied into a slot of a small
 * pool, claimed with cmpxchg (NMI-safe), and an irq_work makes the call
 * as soon as interrupts are on again on this CPU. A task argument is
 * pinned (get_task_struct, an atomic increment) until then; other
 * pointers are the caller's to keep alive (key_put drops a reference the
 * band-aid owns, so the key lives until the deferred put). When the pool
 * is full the call is not made and the probe reports a fault.
 *
 * Lifetime: the pool's irq_works run this module's code, so unload (after
 * the runtime's disarm, when no probe can queue one) waits for them.
 */
#include <linux/module.h>
#include <linux/irq_work.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include "guru_call.h"

#define DEFERRED_CALLS	8

struct deferred_call {
	struct irq_work work;
	guru_call_fn fn;		/* non-NULL: the slot is claimed */
	unsigned int pin_tasks;
	u64 args[GURU_CALL_MAX_ARGS];
};

static struct deferred_call deferred[DEFERRED_CALLS];

/*
 * Set on a CPU while a deferred call runs there. The call may reach a
 * place the spec probes (send_sig: the signal_generate tracepoint; key_put:
 * queueing a work), whose handler, in this hardirq, would defer another
 * call, and so on: the CPU would never leave interrupt context. A call
 * made under a deferred one is refused instead (counted: the probe's
 * fault). Kprobes do not nest, so the immediate path cannot loop so.
 */
static DEFINE_PER_CPU(bool, in_deferred_call);

static void unpin(const u64 *args, unsigned int pin_tasks)
{
	unsigned int i;

	for (i = 0; i < GURU_CALL_MAX_ARGS; i++)
		if (pin_tasks & (1u << i))
			put_task_struct((struct task_struct *)(unsigned long)args[i]);
}

static void deferred_run(struct irq_work *work)
{
	struct deferred_call *d = container_of(work, struct deferred_call, work);

	this_cpu_write(in_deferred_call, true);
	d->fn(d->args);
	this_cpu_write(in_deferred_call, false);
	unpin(d->args, d->pin_tasks);
	smp_store_release(&d->fn, NULL);
}

static int defer(guru_call_fn fn, const u64 *args, unsigned int nargs, unsigned int pin_tasks)
{
	unsigned int i, a;

	for (i = 0; i < DEFERRED_CALLS; i++) {
		struct deferred_call *d = &deferred[i];

		if (cmpxchg(&d->fn, NULL, fn) != NULL)
			continue;
		for (a = 0; a < GURU_CALL_MAX_ARGS; a++)
			d->args[a] = a < nargs ? args[a] : 0;
		for (a = 0; a < nargs; a++)
			if (pin_tasks & (1u << a))
				get_task_struct((struct task_struct *)(unsigned long)args[a]);
		d->pin_tasks = pin_tasks;
		irq_work_queue(&d->work);
		return 0;
	}
	return -EBUSY;
}

int guru_call(guru_call_fn fn, const u64 *args, unsigned int nargs, unsigned int pin_tasks)
{
	if (this_cpu_read(in_deferred_call))
		return -EBUSY;
	if (in_nmi() || irqs_disabled())
		return defer(fn, args, nargs, pin_tasks);
	fn(args);
	return 0;
}

static int calls_load(const struct guru_attach_set *set)
{
	unsigned int i;

	for (i = 0; i < DEFERRED_CALLS; i++)
		init_irq_work(&deferred[i].work, deferred_run);
	return 0;
}

static int calls_arm(const struct guru_attach_set *set)
{
	return 0;
}

static void calls_disarm(const struct guru_attach_set *set)
{
}

static void calls_unload(const struct guru_attach_set *set)
{
	unsigned int i;

	for (i = 0; i < DEFERRED_CALLS; i++)
		irq_work_sync(&deferred[i].work);
}

/* Not probes: the pool's set-up and the wait for it at unload. */
const struct guru_family_ops guru_call_ops = {
	.name = "kernel calls",
	.load = calls_load,
	.arm = calls_arm,
	.disarm = calls_disarm,
	.unload = calls_unload,
};
