// SPDX-License-Identifier: GPL-2.0
/*
 * The floor for bench/overhead.ts: what a kernel developer writes by hand
 * for "a handler on write(2) for processes named bench_hit", in the style
 * of samples/kprobes/kprobe_example.c: one kprobe on the syscall's pt_regs
 * wrapper whose handler checks the name and otherwise does nothing.
 */
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/sched.h>

static unsigned long hits;

static int handler_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (strncmp(current->comm, "bench_hit", TASK_COMM_LEN))
		return 0;
	hits++;
	return 0;
}

static struct kprobe kp = {
	.symbol_name = "__x64_sys_write",
	.pre_handler = handler_pre,
};

static int __init floor_init(void)
{
	return register_kprobe(&kp);
}

static void __exit floor_exit(void)
{
	unregister_kprobe(&kp);
	pr_info("floor_kprobe: %lu hits\n", hits);
}

module_init(floor_init);
module_exit(floor_exit);
MODULE_LICENSE("GPL");
