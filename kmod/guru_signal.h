/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guru runtime, raise(SIG): signal the task a probe runs in. Linked into
 * modules whose spec calls raise() (kmod/guru_signal.c); lean like
 * guru_runtime.h.
 */
#ifndef GURU_SIGNAL_H
#define GURU_SIGNAL_H

#include "guru_runtime.h"

/* Send SIG to the current task's process and report it (GURU_REC_SIGNAL); any context. */
void guru_raise(struct guru_ctx *ctx, int sig);

extern const struct guru_family_ops guru_signal_ops;

#endif /* GURU_SIGNAL_H */
