// SPDX-License-Identifier: GPL-2.0
/*
 * guru runtime, raise(SIG): a signal to the process the probe runs in (the
 * "kill the exploit attempt" of SystemTap's guru-mode band-aids), as
 * bpf_send_signal() does it.
 *
 * Contexts: sending takes the target's siglock, with interrupts saved, so
 * it is done at once wherever interrupts are on (uprobes, and kprobes that
 * ftrace delivers, such as syscall probes). A kprobe hit through int3 runs
 * in NMI context, where no lock may be taken: there the task is pinned
 * (get_task_struct, an atomic increment) and the signal sent from an
 * irq_work, which the kernel runs as soon as interrupts are on again on
 * this CPU, before the task returns to user space. The irq_works are a
 * small fixed pool claimed with cmpxchg (NMI-safe); when all are in flight
 * the signal is not sent and the record says so (-EBUSY).
 *
 * Every raise() emits a GURU_REC_SIGNAL record with the outcome, which the
 * supervisor prints and counts in its summary. Kernel threads, exiting
 * tasks and init are not signalled (-EPERM).
 *
 * Lifetime: the pool's irq_works run this module's code, so unload (after
 * the runtime's disarm, when no probe can queue one) waits for them.
 */
#include <linux/module.h>
#include <linux/irq_work.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include "guru_signal.h"

#define DEFERRED_SLOTS	8

struct deferred_signal {
	struct irq_work work;
	struct task_struct *task;	/* non-NULL: the slot is claimed */
	int sig;
};

static struct deferred_signal deferred[DEFERRED_SLOTS];

static void deferred_send(struct irq_work *work)
{
	struct deferred_signal *d = container_of(work, struct deferred_signal, work);
	struct task_struct *task = d->task;

	send_sig(d->sig, task, 1);
	put_task_struct(task);
	smp_store_release(&d->task, NULL);
}

/* From NMI context: a free slot's irq_work sends it; 1 when queued. */
static int defer(int sig)
{
	struct task_struct *task = current;
	unsigned int i;

	for (i = 0; i < DEFERRED_SLOTS; i++) {
		struct deferred_signal *d = &deferred[i];

		if (cmpxchg(&d->task, NULL, task) != NULL)
			continue;
		get_task_struct(task);
		d->sig = sig;
		irq_work_queue(&d->work);
		return 1;
	}
	return -EBUSY;
}

void guru_raise(struct guru_ctx *ctx, int sig)
{
	int result;

	if (current->flags & (PF_KTHREAD | PF_EXITING) || is_global_init(current))
		result = -EPERM;
	else if (in_nmi() || irqs_disabled())
		result = defer(sig);
	else
		result = send_sig(sig, current, 1);
	guru_emit_signal(ctx, sig, result);
}

static int signals_load(const struct guru_attach_set *set)
{
	unsigned int i;

	for (i = 0; i < DEFERRED_SLOTS; i++)
		init_irq_work(&deferred[i].work, deferred_send);
	return 0;
}

static int signals_arm(const struct guru_attach_set *set)
{
	return 0;
}

static void signals_disarm(const struct guru_attach_set *set)
{
}

static void signals_unload(const struct guru_attach_set *set)
{
	unsigned int i;

	for (i = 0; i < DEFERRED_SLOTS; i++)
		irq_work_sync(&deferred[i].work);
}

/* Not probes: the pool's set-up and the wait for it at unload. */
const struct guru_family_ops guru_signal_ops = {
	.name = "raise",
	.load = signals_load,
	.arm = signals_arm,
	.disarm = signals_disarm,
	.unload = signals_unload,
};
