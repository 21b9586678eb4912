// SPDX-License-Identifier: GPL-2.0
/*
 * The floor for a patch with a return probe (bench/overhead.ts), in the
 * style of samples/kprobes/kretprobe_example.c: a kretprobe on the
 * syscall's pt_regs wrapper whose entry handler checks the name (and skips
 * the return for everyone else) and whose return handler does nothing.
 */
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/sched.h>

static unsigned long hits;

static int entry_handler(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return strncmp(current->comm, "bench_hit", TASK_COMM_LEN) ? 1 : 0;
}

static int ret_handler(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	hits++;
	return 0;
}

static struct kretprobe krp = {
	.kp.symbol_name = "__x64_sys_write",
	.entry_handler = entry_handler,
	.handler = ret_handler,
	.maxactive = 256,
};

static int __init floor_init(void)
{
	return register_kretprobe(&krp);
}

static void __exit floor_exit(void)
{
	unregister_kretprobe(&krp);
	pr_info("floor_kretprobe: %lu hits\n", hits);
}

module_init(floor_init);
module_exit(floor_exit);
MODULE_LICENSE("GPL");
