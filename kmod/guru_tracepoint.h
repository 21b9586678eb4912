/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guru runtime, tracepoint family: a module's tracepoint probes as the
 * generated probes.c declares them (templates/partials/tracepoint.hbs);
 * kmod/guru_tracepoint.c attaches them. Lean like guru_runtime.h: no
 * kernel header beyond it.
 */
#ifndef GURU_TRACEPOINT_H
#define GURU_TRACEPOINT_H

#include "guru_runtime.h"

/*
 * One trace event the spec probes. HANDLER runs every probe on it, in spec
 * order, with the event's record (SIZE bytes): struct trace_entry, then the
 * fields as events/SYSTEM/EVENT/format lays them out, then dynamic data. A
 * record shorter than MIN_SIZE (the end of the fields the probes may read)
 * is not handed on but counted as skipped in each of PROBES; dynamic data
 * is read only within SIZE (guru_record_loc).
 */
struct guru_tracepoint {
	const char *system;
	const char *event;
	unsigned int min_size;
	void (*handler)(struct pt_regs *regs, const void *record, u32 size);
	struct guru_probe *const *probes;
	unsigned int nprobes;
	struct guru_tracepoint_impl *impl;	/* the runtime's; NULL until loaded */
};

extern const struct guru_family_ops guru_tracepoint_ops;

#endif /* GURU_TRACEPOINT_H */
