// SPDX-License-Identifier: GPL-2.0
/*
 * guru runtime, uprobe family: probes on functions of user binaries
 * (uprobe:PATH:FUNC at entry, uretprobe:PATH:FUNC at return).
 *
 * The kernel places a uprobe on an inode and a file offset: every process
 * that maps that file, now or later, gets a breakpoint there. One uprobe
 * consumer per probed place runs the spec's probes on it in spec order;
 * its ret_handler (set only when the spec has return probes there) runs
 * when the function returns.
 *
 * Contexts: uprobe handlers run in the probed task, in process context,
 * on its way back to user space from the breakpoint trap (or the
 * uretprobe trampoline), with preemption and interrupts enabled, holding
 * no lock of its mm: they may sleep (6.1 calls them under the uprobe's
 * register_rwsem, later kernels under sleepable RCU). guru's per-CPU
 * scratch (guru_enter) needs preemption off, so run() disables it around
 * the spec's code and pins the task to its CPU; reads of user memory
 * (user_string(), the arguments' pointees) may then page memory in, with
 * preemption on for the copy alone (guru_copy_user in guru_runtime.c): a
 * string in a page the task never touched, or one swapped out, reads as
 * the task would read it. A bad address is still a fault event with the
 * spec line, never an oops and never a signal to the task.
 *
 * Lifetime: load opens the file (kept open until unload: see
 * open_target) and checks it (the bytes at the offset are the ones guru
 * read at build time; -ESTALE if not), so a wrong file is refused at
 * insmod. The consumers are registered only at arm and unregistered at
 * disarm: the kernel writes a uprobe's breakpoint into every process that
 * maps the file as soon as a consumer is registered, and redirects the
 * return address of every call for a uretprobe's, whatever the handler
 * then does, and a loaded module that is not armed must leave the probed
 * programs alone. Arm and disarm run in
 * process context under the runtime's control mutex, where registering
 * may sleep (it takes each mapping mm's mmap lock to write the
 * breakpoints). Unregistering at disarm waits, where the kernel defers it
 * (6.12 on) with uprobe_unregister_sync(), until no handler of ours can
 * still be running, even one preempted while it pages user memory in
 * (which the runtime's synchronize_rcu would not wait for), so the
 * runtime's disarm (and unload after it) never races one. A uretprobe whose function has not returned yet keeps its
 * return address in the task's stack redirected; the kernel calls no
 * consumer of ours for it after unregistering.
 *
 * Kernel versions: the API changed twice. 6.1's uprobe_register(inode,
 * offset, uc) returns an error and uprobe_unregister(inode, offset, uc)
 * waits; 6.12's returns a struct uprobe * (or an ERR_PTR) and takes a
 * ref_ctr_offset, and unregistering is uprobe_unregister_nosync() per
 * uprobe then one uprobe_unregister_sync(); 6.13 on, handlers take a
 * per-call `__u64 *data`. Rather than guess releases, each variant is
 * picked by the type of the kernel's own declaration, as guru_runtime.c
 * does for bin_attribute; the other variant is compiled but never emitted.
 */
#include <linux/module.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uprobes.h>
#include "guru_uprobe.h"

struct guru_uprobe_impl {
	struct uprobe_consumer uc;
	struct guru_uprobe *def;
	struct file *file;		/* the probed file, open from load to unload */
	struct inode *inode;		/* the uprobe's: the real inode of file */
	struct uprobe *uprobe;		/* 6.12 on: what uprobe_register returned */
	bool registered;		/* between arm and disarm */
};

/* ---- the two registration interfaces ------------------------------------ */

struct uprobe;
typedef struct uprobe *(*register_uprobe_fn)(struct inode *, loff_t, loff_t, struct uprobe_consumer *);
typedef int (*register_int_fn)(struct inode *, loff_t, struct uprobe_consumer *);

/* 6.12 on: uprobe_register returns the uprobe. */
#define REGISTER_RETURNS_UPROBE \
	__builtin_types_compatible_p(typeof(&uprobe_register), register_uprobe_fn)

/*
 * Each kernel declares only one set of these; declaring the other set too
 * (with the same types where the kernel has them) lets both variants
 * compile. Only the one REGISTER_RETURNS_UPROBE picks is ever referenced.
 */
void uprobe_unregister(struct inode *inode, loff_t offset, struct uprobe_consumer *uc);
void uprobe_unregister_nosync(struct uprobe *uprobe, struct uprobe_consumer *uc);
void uprobe_unregister_sync(void);

static int register_one(struct guru_uprobe_impl *impl)
{
	/* Through an untyped pointer: the branch not taken calls it with the other signature. */
	void *fn = uprobe_register;
	loff_t offset = impl->def->offset;

	if (REGISTER_RETURNS_UPROBE) {
		struct uprobe *u = ((register_uprobe_fn)fn)(impl->inode, offset, 0, &impl->uc);

		if (IS_ERR(u))
			return PTR_ERR(u);
		impl->uprobe = u;
		return 0;
	}
	return ((register_int_fn)fn)(impl->inode, offset, &impl->uc);
}

/* Unregister; with a deferring kernel, the caller waits in unregister_wait(). */
static void unregister_one(struct guru_uprobe_impl *impl)
{
	__builtin_choose_expr(REGISTER_RETURNS_UPROBE,
			      uprobe_unregister_nosync(impl->uprobe, &impl->uc),
			      uprobe_unregister(impl->inode, impl->def->offset, &impl->uc));
}

/* No handler of ours runs, or is about to, once this returns. */
static void unregister_wait(void)
{
	__builtin_choose_expr(REGISTER_RETURNS_UPROBE, uprobe_unregister_sync(), (void)0);
}

/* ---- handlers ------------------------------------------------------------ */

/*
 * guru_enter's per-CPU scratch needs preemption off; the task also stays
 * on this CPU for the whole handler (migrate_disable), so that a user
 * read may turn preemption on to page memory in (guru_copy_user) and the
 * scratch is still this CPU's after it.
 */
static void run(void (*fn)(struct pt_regs *), struct pt_regs *regs)
{
	migrate_disable();
	preempt_disable();
	fn(regs);
	preempt_enable();
	migrate_enable();
}

static int on_entry(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	run(container_of(uc, struct guru_uprobe_impl, uc)->def->entry, regs);
	return 0;
}

static int on_return(struct uprobe_consumer *uc, unsigned long func, struct pt_regs *regs)
{
	run(container_of(uc, struct guru_uprobe_impl, uc)->def->ret, regs);
	return 0;
}

/* 6.13 on, handlers get a per-call data word, which guru does not use. */
typedef int (*entry_with_data_fn)(struct uprobe_consumer *, struct pt_regs *, __u64 *);
typedef int (*return_with_data_fn)(struct uprobe_consumer *, unsigned long, struct pt_regs *, __u64 *);

static int __maybe_unused on_entry_data(struct uprobe_consumer *uc, struct pt_regs *regs, __u64 *data)
{
	return on_entry(uc, regs);
}

static int __maybe_unused on_return_data(struct uprobe_consumer *uc, unsigned long func, struct pt_regs *regs, __u64 *data)
{
	return on_return(uc, func, regs);
}

#define HANDLERS_TAKE_DATA \
	__builtin_types_compatible_p(typeof(((struct uprobe_consumer *)0)->handler), entry_with_data_fn)
#define RET_HANDLERS_TAKE_DATA \
	__builtin_types_compatible_p(typeof(((struct uprobe_consumer *)0)->ret_handler), return_with_data_fn)

/* ---- load and unload ----------------------------------------------------- */

/*
 * The file the probed processes map, opened once: its bytes at the offset
 * must be guru's, and the uprobe goes on the inode of that same open file
 * (no second lookup a rename could slip between). The file stays open
 * while the uprobe is registered: the kernel's uprobe keeps only a bare
 * inode pointer and wants its caller to hold the inode and its mount, and
 * an open file holds both (without it, unmounting the probed file's
 * filesystem succeeded under a loaded module and unregistering then used
 * the freed inode). Below an overlay the uprobe goes on the real inode,
 * whose pages the processes map, as the kernel's own uprobe_events does.
 */
static int open_target(struct guru_uprobe *def, struct file **filep)
{
	unsigned char *buf;
	struct file *file;
	loff_t pos = def->offset;
	ssize_t n;
	int err = 0;

	file = filp_open(def->path, O_RDONLY | O_LARGEFILE, 0);
	if (IS_ERR(file)) {
		pr_err("%s: uprobe on %s: cannot open the file: %ld\n", guru_this.name, def->path, PTR_ERR(file));
		return PTR_ERR(file);
	}
	if (!S_ISREG(file_inode(file)->i_mode)) {
		pr_err("%s: uprobe on %s: not a regular file\n", guru_this.name, def->path);
		err = -EINVAL;
		goto out;
	}
	buf = kmalloc(def->nexpect, GFP_KERNEL);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	n = kernel_read(file, buf, def->nexpect, &pos);
	if (n != def->nexpect || memcmp(buf, def->expect, def->nexpect)) {
		pr_err("%s: uprobe on %s+0x%llx: the file is not the one guru built for (other bytes there); rebuild the module against this file\n",
		       guru_this.name, def->path, def->offset);
		err = -ESTALE;
	}
	kfree(buf);
out:
	if (err)
		filp_close(file, NULL);
	else
		*filep = file;
	return err;
}

static int load_uprobe(struct guru_uprobe *def)
{
	struct guru_uprobe_impl *impl;
	int err;

	impl = kzalloc(sizeof(*impl), GFP_KERNEL);
	if (!impl)
		return -ENOMEM;
	err = open_target(def, &impl->file);
	if (err) {
		kfree(impl);
		return err;
	}
	impl->inode = d_real_inode(impl->file->f_path.dentry);
	impl->def = def;
	if (def->entry)
		impl->uc.handler = __builtin_choose_expr(HANDLERS_TAKE_DATA, on_entry_data, on_entry);
	if (def->ret)
		impl->uc.ret_handler = __builtin_choose_expr(RET_HANDLERS_TAKE_DATA, on_return_data, on_return);
	def->impl = impl;
	return 0;
}

static void free_uprobe(struct guru_uprobe *def)
{
	filp_close(def->impl->file, NULL);
	kfree(def->impl);
	def->impl = NULL;
}

static int uprobes_load(const struct guru_attach_set *set)
{
	struct guru_uprobe *defs = set->defs;
	unsigned int i;
	int err;

	for (i = 0; i < set->n; i++) {
		err = load_uprobe(&defs[i]);
		if (err) {
			while (i--)
				free_uprobe(&defs[i]);
			return err;
		}
	}
	return 0;
}

/* Unregister what is registered; after this no handler of ours runs. */
static void uprobes_disarm(const struct guru_attach_set *set)
{
	struct guru_uprobe *defs = set->defs;
	bool any = false;
	unsigned int i;

	for (i = 0; i < set->n; i++) {
		if (!defs[i].impl->registered)
			continue;
		unregister_one(defs[i].impl);
		defs[i].impl->registered = false;
		any = true;
	}
	if (any)
		unregister_wait();
}

/*
 * Plant the breakpoints: all or none. A consumer's handlers may run as
 * soon as it is registered; until the runtime sets armed they do nothing
 * (guru_enter checks).
 */
static int uprobes_arm(const struct guru_attach_set *set)
{
	struct guru_uprobe *defs = set->defs;
	unsigned int i;
	int err;

	for (i = 0; i < set->n; i++) {
		err = register_one(defs[i].impl);
		if (err) {
			pr_err("%s: registering a uprobe on %s+0x%llx failed: %d\n",
			       guru_this.name, defs[i].path, defs[i].offset, err);
			uprobes_disarm(set);
			return err;
		}
		defs[i].impl->registered = true;
	}
	return 0;
}

/* After disarm: nothing is registered any more. */
static void uprobes_unload(const struct guru_attach_set *set)
{
	struct guru_uprobe *defs = set->defs;
	unsigned int i;

	for (i = 0; i < set->n; i++)
		free_uprobe(&defs[i]);
}

const struct guru_family_ops guru_uprobe_ops = {
	.name = "uprobe",
	.load = uprobes_load,
	.arm = uprobes_arm,
	.disarm = uprobes_disarm,
	.unload = uprobes_unload,
};
