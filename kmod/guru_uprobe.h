/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guru runtime, uprobe family: a module's probes on user functions as the
 * generated probes.c declares them (templates/partials/uprobe.hbs);
 * kmod/guru_uprobe.c registers them. Lean like guru_runtime.h: no kernel
 * header beyond it.
 */
#ifndef GURU_UPROBE_H
#define GURU_UPROBE_H

#include "guru_runtime.h"

/*
 * One place in a user binary: the file at PATH, byte OFFSET into it (where
 * the function's first instruction is). EXPECT is what guru read there when
 * it built the module; the runtime compares the target's file with it
 * before it plants a breakpoint, so a different build of the binary is
 * refused instead of having its instructions overwritten at a wrong place.
 * ENTRY runs the spec's entry probes on it and RET its return probes, each
 * in spec order, with the task's user registers; either may be NULL.
 */
struct guru_uprobe {
	const char *path;
	unsigned long long offset;
	const unsigned char *expect;
	unsigned int nexpect;
	void (*entry)(struct pt_regs *regs);
	void (*ret)(struct pt_regs *regs);
	struct guru_uprobe_impl *impl;	/* the runtime's; NULL until loaded */
};

extern const struct guru_family_ops guru_uprobe_ops;

/*
 * The probed function's arguments, at its entry: the user registers of the
 * x86-64 System V calling convention (rdi, rsi, rdx, rcx, r8, r9). REGS
 * are the task's saved user registers; a write is what the function sees
 * when it goes on.
 */
static inline unsigned long *guru_user_arg_slot(struct pt_regs *r, int n)
{
	switch (n) {
	case 0: return &r->di;
	case 1: return &r->si;
	case 2: return &r->dx;
	case 3: return &r->cx;
	case 4: return &r->r8;
	default: return &r->r9;
	}
}
#define GURU_USER_ARG(n)	(*guru_user_arg_slot(ctx->regs, n))

/* Go's register ABI (ABIInternal, Go 1.17 on): arguments and results in rax, rbx, rcx, rdi, rsi, r8-r11. */
static inline unsigned long *guru_go_arg_slot(struct pt_regs *r, int n)
{
	switch (n) {
	case 0: return &r->ax;
	case 1: return &r->bx;
	case 2: return &r->cx;
	case 3: return &r->di;
	case 4: return &r->si;
	case 5: return &r->r8;
	case 6: return &r->r9;
	case 7: return &r->r10;
	default: return &r->r11;
	}
}
#define GURU_GO_ARG(n)	(*guru_go_arg_slot(ctx->regs, n))

#endif /* GURU_UPROBE_H */
