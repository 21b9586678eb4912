/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guru runtime, timer family: a module's timer probes as the generated
 * probes.c declares them (templates/partials/timer.hbs); kmod/guru_timer.c
 * runs them. Lean like guru_runtime.h: no kernel header beyond it.
 */
#ifndef GURU_TIMER_H
#define GURU_TIMER_H

#include "guru_runtime.h"

/*
 * One timer probe: HANDLER runs once every PERIOD_NS nanoseconds while the
 * module is armed. Periods the timer could not keep (its CPU was busy
 * with something else for longer than a period) are counted as skipped
 * runs of PROBE, shown as its nmissed.
 */
struct guru_timer {
	u64 period_ns;
	void (*handler)(void);
	struct guru_probe *probe;
	struct guru_timer_impl *impl;	/* the runtime's; NULL until loaded */
};

extern const struct guru_family_ops guru_timer_ops;

#endif /* GURU_TIMER_H */
