/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guru runtime, typed kernel calls: a function of guru's allow-list
 * (src/expr/kernelCalls.ts) called from a probe. Linked into modules
 * whose spec calls one (kmod/guru_call.c); lean like guru_runtime.h.
 */
#ifndef GURU_CALL_H
#define GURU_CALL_H

#include "guru_runtime.h"

/* Most arguments a kernel call takes. */
#define GURU_CALL_MAX_ARGS	4

/* A call's C, generated per function: the arguments as the function takes them. */
typedef void (*guru_call_fn)(const u64 *args);

/*
 * Call FN(ARGS) now, or, in NMI context or with interrupts off (where the
 * function's locks may not be taken), from an irq_work as soon as
 * interrupts are on again on this CPU. Bit i of PIN_TASKS: ARGS[i] is a
 * task_struct *, held (get_task_struct) until a deferred call is done.
 * 0 when called or queued; -EBUSY when every deferred slot is in use, or
 * when this CPU is running a deferred call (see in_deferred_call).
 */
int guru_call(guru_call_fn fn, const u64 *args, unsigned int nargs, unsigned int pin_tasks);

/* A call as a do: item: a busy pool is a fault (GURU_FAULT_CALL_BUSY), a call made counts as a write. */
#define GURU_KERNEL_CALL(fn, args, nargs, pins, spec_line)			\
	do {									\
		if (guru_call(fn, args, nargs, pins)) {				\
			ctx->fault.kind = GURU_FAULT_CALL_BUSY;			\
			ctx->fault.addr = 0;					\
			ctx->fault.line = (spec_line);				\
			goto fault;						\
		}								\
		GURU_COUNT_WRITE();						\
	} while (0)

extern const struct guru_family_ops guru_call_ops;

#endif /* GURU_CALL_H */
