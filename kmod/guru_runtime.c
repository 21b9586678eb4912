// SPDX-License-Identifier: GPL-2.0
/*
 * guru runtime: control file, event channel, variables, guards and
 * fault-tolerant reads shared by every guru module. See guru_runtime.h for
 * the picture; comments here explain the parts that are subtle.
 */
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/sched.h>
#include <linux/cred.h>
#include <linux/percpu.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/poll.h>
#include <linux/wait.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/uaccess.h>
#include <linux/irq_work.h>
#include <linux/workqueue.h>
#include <linux/stacktrace.h>
#include <linux/glob.h>
#include <linux/hash.h>
#include <linux/timekeeping.h>
#include <asm/processor.h>
#include "guru_runtime.h"

static struct guru_module *gm;		/* the one module this runtime serves */
static DEFINE_PER_CPU(struct guru_ctx, guru_ctxs);

/* ---- kprobes: the kernel's side of struct guru_kprobe / guru_kretprobe --- */

struct guru_kprobe_impl {
	struct kprobe kp;
	struct guru_kprobe *def;
};

struct guru_kretprobe_impl {
	struct kretprobe krp;
	struct guru_kretprobe *def;
};

static int kprobe_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct guru_kprobe_impl *k = container_of(p, struct guru_kprobe_impl, kp);

	k->def->pre_handler(regs, (unsigned long)p->addr);
	return 0;
}

static int kretprobe_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kretprobe *rp = get_kretprobe(ri);
	struct guru_kretprobe_impl *k;

	if (!rp)	/* being unregistered */
		return 1;
	k = container_of(rp, struct guru_kretprobe_impl, krp);
	return k->def->entry_handler ? k->def->entry_handler(ri->data, regs, (unsigned long)rp->kp.addr) : 0;
}

static int kretprobe_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kretprobe *rp = get_kretprobe(ri);
	struct guru_kretprobe_impl *k;

	if (!rp)
		return 0;
	k = container_of(rp, struct guru_kretprobe_impl, krp);
	k->def->handler(ri->data, regs, (unsigned long)rp->kp.addr);
	return 0;
}

int guru_save_args(void *data, struct pt_regs *regs, unsigned long addr)
{
	unsigned long *args = data;
	int n;

	for (n = 0; n < 6; n++)
		args[n] = regs_get_kernel_argument(regs, n);
	return 0;
}

static struct kprobe *kprobe_of(struct guru_kprobe *def)
{
	return def->impl ? &def->impl->kp : NULL;
}

static struct kretprobe *kretprobe_of(struct guru_kretprobe *def)
{
	return def->impl ? &def->impl->krp : NULL;
}

/* Give DEF its struct kprobe, disabled until armed. Process context. */
static struct kprobe *kprobe_new(struct guru_kprobe *def)
{
	struct guru_kprobe_impl *k = kzalloc(sizeof(*k), GFP_KERNEL);

	if (!k)
		return NULL;
	k->def = def;
	k->kp.symbol_name = def->symbol_name;
	k->kp.offset = def->offset;
	k->kp.pre_handler = kprobe_pre;
	k->kp.flags = KPROBE_FLAG_DISABLED;
	def->impl = k;
	return &k->kp;
}

static struct kretprobe *kretprobe_new(struct guru_kretprobe *def)
{
	struct guru_kretprobe_impl *k = kzalloc(sizeof(*k), GFP_KERNEL);

	if (!k)
		return NULL;
	k->def = def;
	k->krp.kp.symbol_name = def->symbol_name;
	k->krp.kp.flags = KPROBE_FLAG_DISABLED;
	k->krp.entry_handler = kretprobe_entry;
	k->krp.handler = kretprobe_return;
	k->krp.data_size = def->data_size;
	k->krp.maxactive = def->maxactive;
	def->impl = k;
	return &k->krp;
}

static void kprobe_free(struct guru_kprobe *def)
{
	kfree(def->impl);
	def->impl = NULL;
}

static void kretprobe_free(struct guru_kretprobe *def)
{
	kfree(def->impl);
	def->impl = NULL;
}

/* ---- event channel: a byte ring of whole records ------------------------ */

#define RING_SIZE	(1u << 20)	/* bytes; a power of two */
#define READ_CHUNK	(64u << 10)	/* bytes copied out per read() */

static u8 *ring;
static u64 ring_head, ring_tail;	/* free-running byte counters */
/*
 * raw spinlock with interrupts off: records are pushed from any context,
 * including hard interrupts. In NMI context we only try the lock (an NMI can
 * interrupt the very CPU that holds it); a failed try is a counted drop.
 */
static DEFINE_RAW_SPINLOCK(ring_lock);
static atomic64_t emitted, dropped, nested;
static DECLARE_WAIT_QUEUE_HEAD(readers);
/*
 * Waking a reader takes the wait-queue lock and may enter the scheduler,
 * which a probe inside the scheduler must never do: probes queue an
 * irq_work and the wake-up happens from there.
 */
static struct irq_work wake_work;

static void wake_readers(struct irq_work *w)
{
	wake_up_interruptible(&readers);
}

static void ring_copy_in(u64 pos, const void *src, u32 len)
{
	u32 off = pos & (RING_SIZE - 1), first = min(len, RING_SIZE - off);

	memcpy(ring + off, src, first);
	memcpy(ring, (const u8 *)src + first, len - first);
}

static void ring_copy_out(void *dst, u64 pos, u32 len)
{
	u32 off = pos & (RING_SIZE - 1), first = min(len, RING_SIZE - off);

	memcpy(dst, ring + off, first);
	memcpy((u8 *)dst + first, ring, len - first);
}

static void ring_push(const void *rec, u32 len)
{
	unsigned long flags;

	atomic64_inc(&emitted);
	if (in_nmi()) {
		if (!raw_spin_trylock_irqsave(&ring_lock, flags)) {
			atomic64_inc(&dropped);
			return;
		}
	} else {
		raw_spin_lock_irqsave(&ring_lock, flags);
	}
	if (RING_SIZE - (ring_head - ring_tail) < len) {
		raw_spin_unlock_irqrestore(&ring_lock, flags);
		atomic64_inc(&dropped);
		return;
	}
	ring_copy_in(ring_head, rec, len);
	ring_head += len;
	raw_spin_unlock_irqrestore(&ring_lock, flags);
	irq_work_queue(&wake_work);
}

/* Move whole records, at most max bytes, into buf; returns bytes moved. */
static u32 ring_pop(u8 *buf, u32 max)
{
	unsigned long flags;
	u32 n = 0;

	raw_spin_lock_irqsave(&ring_lock, flags);
	while (ring_tail < ring_head) {
		struct guru_rec_hdr hdr;

		ring_copy_out(&hdr, ring_tail, sizeof(hdr));
		if (n + hdr.size > max)
			break;
		ring_copy_out(buf + n, ring_tail, hdr.size);
		ring_tail += hdr.size;
		n += hdr.size;
	}
	raw_spin_unlock_irqrestore(&ring_lock, flags);
	return n;
}

static bool ring_empty(void)
{
	return READ_ONCE(ring_head) == READ_ONCE(ring_tail);
}

/* ---- arming ------------------------------------------------------------- */

static DEFINE_MUTEX(ctl_lock);		/* serialises arm/disarm/detach */
static bool armed;			/* read locklessly by handlers */
static bool detached;			/* stays armed after the file closes */
static unsigned long opened;		/* bit 0: the control file is open */
static void ttl_expired(struct work_struct *w);
static DECLARE_DELAYED_WORK(ttl_work, ttl_expired);

/* Run begin/end probes in process context on this CPU's scratch. */
static void run_lifecycle(void (*fn)(void))
{
	if (!fn)
		return;
	preempt_disable();
	fn();
	preempt_enable();
}

static void arm_locked(void)
{
	unsigned int i;

	if (armed)
		return;
	WRITE_ONCE(armed, true);
	run_lifecycle(gm->begin);
	for (i = 0; i < gm->nkprobes; i++)
		enable_kprobe(kprobe_of(gm->kprobes[i]));
	for (i = 0; i < gm->nkretprobes; i++)
		enable_kretprobe(kretprobe_of(gm->kretprobes[i]));
	for (i = 0; i < gm->nwild_kprobes; i++)
		if (gm->wild_kprobes[i]->impl)
			enable_kprobe(kprobe_of(gm->wild_kprobes[i]));
	for (i = 0; i < gm->nwild_kretprobes; i++)
		if (gm->wild_kretprobes[i]->impl)
			enable_kretprobe(kretprobe_of(gm->wild_kretprobes[i]));
}

static void disarm_locked(void)
{
	unsigned int i;

	if (!armed)
		return;
	for (i = 0; i < gm->nkprobes; i++)
		disable_kprobe(kprobe_of(gm->kprobes[i]));
	for (i = 0; i < gm->nkretprobes; i++)
		disable_kretprobe(kretprobe_of(gm->kretprobes[i]));
	for (i = 0; i < gm->nwild_kprobes; i++)
		if (gm->wild_kprobes[i]->impl)
			disable_kprobe(kprobe_of(gm->wild_kprobes[i]));
	for (i = 0; i < gm->nwild_kretprobes; i++)
		if (gm->wild_kretprobes[i]->impl)
			disable_kretprobe(kretprobe_of(gm->wild_kretprobes[i]));
	/*
	 * Handlers run with preemption disabled, so once an RCU grace period
	 * has passed none is still running on another CPU: nothing is emitted
	 * after this point except by the end probes below, which keeps
	 * emitted = delivered + dropped exact.
	 */
	synchronize_rcu();
	run_lifecycle(gm->end);
	WRITE_ONCE(armed, false);
	synchronize_rcu();
	detached = false;
	wake_up_interruptible(&readers);
}

static void ttl_expired(struct work_struct *w)
{
	mutex_lock(&ctl_lock);
	pr_info("%s: --ttl expired, disarming\n", gm->name);
	disarm_locked();
	mutex_unlock(&ctl_lock);
}

/* ---- the control file --------------------------------------------------- */

struct reader {
	u8 *bounce;		/* records copied out under the lock land here */
};

static int ctl_open(struct inode *inode, struct file *file)
{
	struct reader *r;

	if (test_and_set_bit(0, &opened))
		return -EBUSY;	/* one supervisor at a time */
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (r)
		r->bounce = kvmalloc(READ_CHUNK, GFP_KERNEL);
	if (!r || !r->bounce) {
		kfree(r);
		clear_bit(0, &opened);
		return -ENOMEM;
	}
	file->private_data = r;
	return 0;
}

static int ctl_release(struct inode *inode, struct file *file)
{
	struct reader *r = file->private_data;

	/* The supervisor is gone (exit, crash or SIGKILL): disarm now. */
	mutex_lock(&ctl_lock);
	if (!detached)
		disarm_locked();
	mutex_unlock(&ctl_lock);
	kvfree(r->bounce);
	kfree(r);
	clear_bit(0, &opened);
	return 0;
}

static ssize_t ctl_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	struct reader *r = file->private_data;
	u32 n;
	int err;

	if (count < GURU_REC_MAX)
		return -EINVAL;	/* must fit the largest record */
	for (;;) {
		n = ring_pop(r->bounce, min_t(size_t, count, READ_CHUNK));
		if (n)
			break;
		if (!READ_ONCE(armed))
			return 0;	/* disarmed and drained: end of stream */
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(readers, !ring_empty() || !READ_ONCE(armed));
		if (err)
			return err;
	}
	if (copy_to_user(buf, r->bounce, n))
		return -EFAULT;	/* records are lost; only a broken reader gets here */
	return n;
}

static __poll_t ctl_poll(struct file *file, poll_table *wait)
{
	poll_wait(file, &readers, wait);
	if (!ring_empty() || !READ_ONCE(armed))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static int set_param(const char *name, s64 value)
{
	unsigned int i;

	for (i = 0; i < gm->nparams; i++) {
		if (!strcmp(gm->param_names[i], name)) {
			atomic64_set(&gm->params[i], value);
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * Commands, one per write: "arm", "disarm", "detach <ttl seconds>" (0: no
 * ttl), "set <param> <value>".
 */
static ssize_t ctl_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	char cmd[96], name[64];
	unsigned long ttl;
	long long value;
	int err = 0;

	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = '\0';
	strim(cmd);

	mutex_lock(&ctl_lock);
	if (!strcmp(cmd, "arm")) {
		arm_locked();
	} else if (!strcmp(cmd, "disarm")) {
		cancel_delayed_work(&ttl_work);
		disarm_locked();
	} else if (sscanf(cmd, "detach %lu", &ttl) == 1) {
		if (!armed) {
			err = -EINVAL;
		} else {
			detached = true;
			if (ttl)
				mod_delayed_work(system_wq, &ttl_work, ttl * HZ);
		}
	} else if (sscanf(cmd, "set %63s %lld", name, &value) == 2) {
		err = set_param(name, value);
	} else {
		err = -EINVAL;
	}
	mutex_unlock(&ctl_lock);
	return err ? err : count;
}

static const struct file_operations ctl_fops = {
	.owner = THIS_MODULE,
	.open = ctl_open,
	.release = ctl_release,
	.read = ctl_read,
	.write = ctl_write,
	.poll = ctl_poll,
	.llseek = noop_llseek,
};

/* ---- /sys/class/misc/guru_<name>/stats ---------------------------------- */

static u64 tvar_overflow;
static unsigned int wild_skipped;	/* wildcard matches the kernel refused */

static ssize_t stats_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	ssize_t n;
	unsigned int i;

	n = sysfs_emit(buf, "state %s\nemitted %lld\ndropped %lld\nnested %lld\ntvar_overflow %llu\nwildcard_skipped %u\n",
		       READ_ONCE(armed) ? (detached ? "detached" : "armed") : "disarmed",
		       atomic64_read(&emitted), atomic64_read(&dropped),
		       atomic64_read(&nested), READ_ONCE(tvar_overflow), wild_skipped);
	for (i = 0; i < gm->nprobes; i++) {
		struct guru_probe *p = &gm->probes[i];
		struct kprobe *kp = p->kp ? kprobe_of(p->kp) : NULL;
		struct kretprobe *krp = p->krp ? kretprobe_of(p->krp) : NULL;
		unsigned long nmissed = kp ? kp->nmissed : krp ? krp->nmissed + krp->kp.nmissed : 0;
		unsigned int s;

		for (s = 0; s < p->nsites; s++)
			if (p->sites[s]->impl)
				nmissed += kprobe_of(p->sites[s])->nmissed;

		n += sysfs_emit_at(buf, n, "probe %u hits %lld misses %lld writes %lld faults %lld nmissed %lu\n",
				   i, atomic64_read(&p->stats.hits), atomic64_read(&p->stats.misses),
				   atomic64_read(&p->stats.writes), atomic64_read(&p->stats.faults), nmissed);
	}
	return n;
}
static DEVICE_ATTR_RO(stats);

static struct attribute *ctl_attrs[] = { &dev_attr_stats.attr, NULL };
ATTRIBUTE_GROUPS(ctl);

static struct miscdevice ctl_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.fops = &ctl_fops,
	.groups = ctl_groups,
	.mode = 0600,		/* root only */
};

/* ---- handler entry and exit --------------------------------------------- */

struct guru_ctx *guru_enter(struct guru_probe *p, struct pt_regs *regs)
{
	struct guru_ctx *ctx;

	if (!READ_ONCE(armed))
		return NULL;
	ctx = this_cpu_ptr(&guru_ctxs);
	/* kprobes do not nest on a CPU; if something else ever does, skip it. */
	if (ctx->busy) {
		atomic64_inc(&nested);
		return NULL;
	}
	ctx->busy = true;
	ctx->regs = regs;
	ctx->sys_regs = NULL;
	ctx->sys_saved = NULL;
	ctx->entry_args = NULL;
	ctx->probe = p;
	ctx->func_addr = 0;
	ctx->site = 0;
	ctx->slide = 0;
	memset(&ctx->fault, 0, sizeof(ctx->fault));
	atomic64_inc(&p->stats.hits);
	return ctx;
}

void guru_leave(struct guru_ctx *ctx)
{
	ctx->busy = false;
}

/* ---- guards and task builtins ------------------------------------------- */

u32 guru_uid(void)
{
	return from_kuid(&init_user_ns, current_uid());
}

u32 guru_gid(void)
{
	return from_kgid(&init_user_ns, current_gid());
}

u32 guru_euid(void)
{
	return from_kuid(&init_user_ns, current_euid());
}

s32 guru_pid(void)
{
	return current->tgid;
}

s32 guru_tid(void)
{
	return current->pid;
}

u32 guru_cpu(void)
{
	return smp_processor_id();	/* handlers run with preemption off */
}

u64 guru_nsecs(void)
{
	return ktime_get_mono_fast_ns();	/* NMI-safe */
}

bool guru_comm_is(const char *name)
{
	return strncmp(current->comm, name, TASK_COMM_LEN) == 0;
}

bool guru_comm_glob(const char *pattern)
{
	char comm[TASK_COMM_LEN];

	/* comm can change under us (prctl); work on a terminated copy. */
	memcpy(comm, current->comm, TASK_COMM_LEN);
	comm[TASK_COMM_LEN - 1] = '\0';
	return glob_match(pattern, comm);
}

/* ---- per-thread variables ----------------------------------------------- */

/*
 * An open-addressing table keyed by (tid, task start time), so a recycled
 * tid never sees a dead thread's values. Entries leave when all their values
 * are zero again or when the thread exits (a kprobe on do_exit). At most 3/4
 * full; a write that finds no room is a counted fault, never silent.
 */
#define TVAR_BITS	12
#define TVAR_CAPACITY	(1u << TVAR_BITS)

struct tvar_entry {
	bool used;
	pid_t tid;
	u64 start;
	s64 vals[];
};

static u8 *tvar_table;
static size_t tvar_entry_size;
static unsigned int tvar_count;
static DEFINE_RAW_SPINLOCK(tvar_lock);

static struct tvar_entry *tvar_at(unsigned int i)
{
	return (struct tvar_entry *)(tvar_table + (size_t)i * tvar_entry_size);
}

static unsigned int tvar_home(pid_t tid)
{
	return hash_32((u32)tid, TVAR_BITS);
}

/* Index of current's entry, or -1. Called with tvar_lock held. */
static int tvar_find(pid_t tid, u64 start)
{
	unsigned int i = tvar_home(tid), n;

	for (n = 0; n < TVAR_CAPACITY; n++, i = (i + 1) & (TVAR_CAPACITY - 1)) {
		struct tvar_entry *e = tvar_at(i);

		if (!e->used)
			return -1;
		if (e->tid == tid && e->start == start)
			return i;
	}
	return -1;
}

/* Remove entry i, shifting later entries of the same run back (no tombstones). */
static void tvar_remove(unsigned int i)
{
	unsigned int j = i, mask = TVAR_CAPACITY - 1;

	tvar_at(i)->used = false;
	tvar_count--;
	for (;;) {
		struct tvar_entry *e;
		unsigned int home;

		j = (j + 1) & mask;
		e = tvar_at(j);
		if (!e->used)
			return;
		home = tvar_home(e->tid);
		/* Move e into the hole at i unless its home lies cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			memcpy(tvar_at(i), e, tvar_entry_size);
			e->used = false;
			i = j;
		}
	}
}

s64 guru_tvar_get(unsigned int id)
{
	unsigned long flags;
	s64 v = 0;
	int i;

	raw_spin_lock_irqsave(&tvar_lock, flags);
	i = tvar_find(current->pid, current->start_time);
	if (i >= 0)
		v = tvar_at(i)->vals[id];
	raw_spin_unlock_irqrestore(&tvar_lock, flags);
	return v;
}

/* Set N slots from ID on of current's entry; false if the table is full. */
static bool tvar_store(unsigned int id, const s64 *values, unsigned int n)
{
	pid_t tid = current->pid;
	u64 start = current->start_time;
	unsigned long flags;
	bool ok = true, any = false;
	unsigned int s;
	int i;

	for (s = 0; s < n; s++)
		any |= values[s] != 0;
	raw_spin_lock_irqsave(&tvar_lock, flags);
	i = tvar_find(tid, start);
	if (i < 0 && any) {
		if (tvar_count >= TVAR_CAPACITY / 4 * 3) {
			tvar_overflow++;
			ok = false;
		} else {
			unsigned int k = tvar_home(tid);

			while (tvar_at(k)->used)
				k = (k + 1) & (TVAR_CAPACITY - 1);
			memset(tvar_at(k), 0, tvar_entry_size);
			tvar_at(k)->used = true;
			tvar_at(k)->tid = tid;
			tvar_at(k)->start = start;
			tvar_count++;
			i = k;
		}
	}
	if (i >= 0) {
		struct tvar_entry *e = tvar_at(i);
		unsigned int v;
		bool all_zero = true;

		for (s = 0; s < n; s++)
			e->vals[id + s] = values[s];
		for (v = 0; v < gm->nthread_vars; v++)
			all_zero &= e->vals[v] == 0;
		if (all_zero)
			tvar_remove(i);
	}
	raw_spin_unlock_irqrestore(&tvar_lock, flags);
	return ok;
}

bool guru_tvar_set(struct guru_ctx *ctx, unsigned int id, s64 value)
{
	if (tvar_store(id, &value, 1))
		return true;
	ctx->fault.kind = GURU_FAULT_TVAR_FULL;
	ctx->fault.addr = 0;
	return false;
}

/* ---- statement probes: memory and entry values --------------------------- */

/* Read SIZE (at most 8) bytes at ADDR without faulting; a bad address fills ctx->fault. */
static bool read_nofault(struct guru_ctx *ctx, unsigned long addr, unsigned int size, u64 *value, bool user)
{
	u64 v = 0;	/* x86 is little endian: the low SIZE bytes are the variable */
	unsigned int n = min_t(unsigned int, size, sizeof(v));
	long err = user ? copy_from_user_nofault(&v, (const void __user *)addr, n)
			: copy_from_kernel_nofault(&v, (const void *)addr, n);

	if (err) {
		ctx->fault.kind = user ? GURU_FAULT_USER_READ : GURU_FAULT_KERNEL_READ;
		ctx->fault.addr = addr;
		return false;
	}
	*value = v;
	return true;
}

bool guru_read_kernel(struct guru_ctx *ctx, unsigned long addr, unsigned int size, u64 *value)
{
	return read_nofault(ctx, addr, size, value, false);
}

/* User memory: a member of a `struct foo __user *` syscall argument. */
bool guru_read_user(struct guru_ctx *ctx, unsigned long addr, unsigned int size, u64 *value)
{
	return read_nofault(ctx, addr, size, value, true);
}

/*
 * copy_to_kernel_nofault() is not exported to modules, so this does what it
 * does for the 1, 2, 4 or 8 bytes of a local: user and non-canonical
 * addresses are refused, and a fault on the store (read-only or unmapped
 * memory) is caught by the exception table instead of oopsing.
 */
static bool write_kernel_nofault(unsigned long addr, u64 value, unsigned int size)
{
	if (addr < TASK_SIZE_MAX + PAGE_SIZE || !__is_canonical_address(addr, boot_cpu_data.x86_virt_bits))
		return false;
	pagefault_disable();
	switch (size) {
	case 1: { u8 v = value; __put_kernel_nofault((void *)addr, &v, u8, fault); break; }
	case 2: { u16 v = value; __put_kernel_nofault((void *)addr, &v, u16, fault); break; }
	case 4: { u32 v = value; __put_kernel_nofault((void *)addr, &v, u32, fault); break; }
	case 8: __put_kernel_nofault((void *)addr, &value, u64, fault); break;
	default: goto fault;
	}
	pagefault_enable();
	return true;
fault:
	pagefault_enable();
	return false;
}

bool guru_write_kernel(struct guru_ctx *ctx, unsigned long addr, unsigned int size, u64 value)
{
	if (!write_kernel_nofault(addr, value, size)) {
		ctx->fault.kind = GURU_FAULT_KERNEL_WRITE;
		ctx->fault.addr = addr;
		return false;
	}
	return true;
}

void guru_entry_save(unsigned int slot, unsigned long value, unsigned long cfa)
{
	s64 pair[2] = { (s64)value, (s64)cfa };

	/* A full table (counted in tvar_overflow) only costs the capture: the statement then reports a fault. */
	if (READ_ONCE(armed))
		tvar_store(slot, pair, 2);
}

bool guru_entry_load(struct guru_ctx *ctx, unsigned int slot, unsigned long cfa, u64 *value)
{
	unsigned long flags;
	bool ok = false;
	int i;

	raw_spin_lock_irqsave(&tvar_lock, flags);
	i = tvar_find(current->pid, current->start_time);
	if (i >= 0 && (unsigned long)tvar_at(i)->vals[slot + 1] == cfa) {
		*value = (u64)tvar_at(i)->vals[slot];
		ok = true;
	}
	raw_spin_unlock_irqrestore(&tvar_lock, flags);
	if (!ok) {
		ctx->fault.kind = GURU_FAULT_NO_ENTRY_VALUE;
		ctx->fault.addr = cfa;
	}
	return ok;
}

static int tvar_task_exit(struct kprobe *kp, struct pt_regs *regs)
{
	unsigned long flags;
	int i;

	raw_spin_lock_irqsave(&tvar_lock, flags);
	i = tvar_find(current->pid, current->start_time);
	if (i >= 0)
		tvar_remove(i);
	raw_spin_unlock_irqrestore(&tvar_lock, flags);
	return 0;
}

static struct kprobe tvar_exit_kp = {
	.symbol_name = "do_exit",
	.pre_handler = tvar_task_exit,
};

/* ---- strings ------------------------------------------------------------ */

/*
 * Copy a NUL-terminated string without ever faulting. copy_*_nofault needs
 * every byte of a request mapped, so read up to each page end at a time: a
 * short string at the end of a mapping must not fail because of the page
 * after it. A string cut off by an unmapped page is returned truncated;
 * only an unreadable first byte is a fault.
 */
static const char *read_string(struct guru_ctx *ctx, int slot, unsigned long addr, int max, bool user)
{
	char *dst = ctx->str[slot];
	int n = 0;

	max = clamp(max, 1, GURU_STR_MAX);
	while (n < max - 1) {
		unsigned long a = addr + n;
		size_t chunk = min_t(size_t, max - 1 - n, PAGE_SIZE - offset_in_page(a));
		long err = user ? copy_from_user_nofault(dst + n, (const void __user *)a, chunk)
				: copy_from_kernel_nofault(dst + n, (const void *)a, chunk);
		char *nul;

		if (err) {
			if (n)
				break;
			ctx->fault.kind = user ? GURU_FAULT_USER_READ : GURU_FAULT_KERNEL_READ;
			ctx->fault.addr = addr;
			return NULL;
		}
		nul = memchr(dst + n, '\0', chunk);
		if (nul)
			return dst;
		n += chunk;
	}
	dst[n] = '\0';
	return dst;
}

const char *guru_read_user_string(struct guru_ctx *ctx, int slot, unsigned long addr, int max)
{
	return read_string(ctx, slot, addr, max, true);
}

const char *guru_read_kernel_string(struct guru_ctx *ctx, int slot, unsigned long addr, int max)
{
	return read_string(ctx, slot, addr, max, false);
}

const char *guru_comm(struct guru_ctx *ctx, int slot)
{
	memcpy(ctx->str[slot], current->comm, TASK_COMM_LEN);
	ctx->str[slot][TASK_COMM_LEN - 1] = '\0';
	return ctx->str[slot];
}

const char *guru_func_name(struct guru_ctx *ctx, int slot)
{
	if (!ctx->func_addr)
		return "";
	snprintf(ctx->str[slot], GURU_STR_MAX, "%ps", (void *)ctx->func_addr);
	return ctx->str[slot];
}

/* ---- records ------------------------------------------------------------ */

static void rec_start(struct guru_ctx *ctx, u16 type, u16 id)
{
	struct guru_rec_hdr *h = (struct guru_rec_hdr *)ctx->rec;

	h->type = type;
	h->id = id;
	h->cpu = smp_processor_id();
	h->pid = current->tgid;
	h->tid = current->pid;
	h->nsecs = ktime_get_mono_fast_ns();
	ctx->rec_len = sizeof(*h);
}

static void rec_put(struct guru_ctx *ctx, const void *data, u32 len)
{
	len = min_t(u32, len, GURU_REC_MAX - ctx->rec_len);
	memcpy(ctx->rec + ctx->rec_len, data, len);
	ctx->rec_len += len;
}

static void rec_finish(struct guru_ctx *ctx)
{
	struct guru_rec_hdr *h = (struct guru_rec_hdr *)ctx->rec;
	u32 len = ALIGN(ctx->rec_len, 8);

	memset(ctx->rec + ctx->rec_len, 0, len - ctx->rec_len);
	h->size = len;
	ring_push(ctx->rec, len);
}

void guru_log_begin(struct guru_ctx *ctx, u16 format)
{
	rec_start(ctx, GURU_REC_LOG, format);
}

void guru_log_int(struct guru_ctx *ctx, s64 value)
{
	rec_put(ctx, &value, sizeof(value));
}

void guru_log_str(struct guru_ctx *ctx, const char *s)
{
	/* Leave room for the 8-byte padding and the ints that may follow. */
	u32 room = GURU_REC_MAX - 64 - ctx->rec_len;
	u16 len = min_t(size_t, strnlen(s, GURU_STR_MAX), room > 2 ? room - 2 : 0);

	rec_put(ctx, &len, sizeof(len));
	rec_put(ctx, s, len);
}

void guru_log_end(struct guru_ctx *ctx)
{
	rec_finish(ctx);
}

void guru_emit_backtrace(struct guru_ctx *ctx)
{
	unsigned long entries[24];
	unsigned int n, i, first = 0;
	char line[KSYM_SYMBOL_LEN + 4];

	n = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	/*
	 * The trace starts inside guru and the kprobe machinery; users want it
	 * to start at the probed function, as SystemTap's does. Skip to the
	 * first frame inside it (functions are far smaller than 64 KiB).
	 */
	for (i = 0; ctx->func_addr && i < n; i++) {
		if (entries[i] >= ctx->func_addr && entries[i] - ctx->func_addr < 0x10000) {
			first = i;
			break;
		}
	}
	rec_start(ctx, GURU_REC_BACKTRACE, ctx->probe - gm->probes);
	for (i = first; i < n; i++) {
		int len = snprintf(line, sizeof(line), "%pS\n", (void *)entries[i]);

		rec_put(ctx, line, min_t(int, len, sizeof(line) - 1));
	}
	rec_put(ctx, "", 1);
	rec_finish(ctx);
}

void guru_emit_stop(struct guru_ctx *ctx)
{
	rec_start(ctx, GURU_REC_STOP, ctx->probe - gm->probes);
	rec_finish(ctx);
}

void guru_emit_fault(struct guru_ctx *ctx)
{
	atomic64_inc(&ctx->probe->stats.faults);
	rec_start(ctx, GURU_REC_FAULT, ctx->probe - gm->probes);
	rec_put(ctx, &ctx->fault, sizeof(ctx->fault));
	rec_finish(ctx);
}

/* ---- syscall argument restore ------------------------------------------- */

void guru_sys_save(struct guru_sys_saved *saved, struct pt_regs *sys_regs)
{
	int n;

	saved->sys_regs = sys_regs;
	saved->written = 0;
	for (n = 0; n < 6; n++)
		saved->args[n] = *guru_sys_arg_slot(sys_regs, n);
}

void guru_sys_restore(struct guru_sys_saved *saved)
{
	int n;

	for (n = 0; n < 6; n++)
		if (saved->written & (1u << n))
			*guru_sys_arg_slot(saved->sys_regs, n) = saved->args[n];
}

/* ---- module life -------------------------------------------------------- */

/* The kernel's kprobes for the module's required probes, for the batch calls. */
static struct kprobe **kps;
static struct kretprobe **krps;

/* Register wildcard matches one at a time, keeping the ones the kernel takes. */
static void register_wildcards(struct guru_module *m)
{
	unsigned int i;

	for (i = 0; i < m->nwild_kprobes; i++) {
		struct kprobe *kp = kprobe_new(m->wild_kprobes[i]);

		if (!kp || register_kprobe(kp)) {
			kprobe_free(m->wild_kprobes[i]);
			wild_skipped++;
		}
	}
	for (i = 0; i < m->nwild_kretprobes; i++) {
		struct kretprobe *krp = kretprobe_new(m->wild_kretprobes[i]);

		if (!krp || register_kretprobe(krp)) {
			kretprobe_free(m->wild_kretprobes[i]);
			wild_skipped++;
		}
	}
	if (wild_skipped)
		pr_info("%s: %u wildcard matches cannot be probed, skipped\n", m->name, wild_skipped);
}

static void unregister_wildcards(struct guru_module *m)
{
	unsigned int i;

	for (i = 0; i < m->nwild_kprobes; i++) {
		if (m->wild_kprobes[i]->impl)
			unregister_kprobe(kprobe_of(m->wild_kprobes[i]));
		kprobe_free(m->wild_kprobes[i]);
	}
	for (i = 0; i < m->nwild_kretprobes; i++) {
		if (m->wild_kretprobes[i]->impl)
			unregister_kretprobe(kretprobe_of(m->wild_kretprobes[i]));
		kretprobe_free(m->wild_kretprobes[i]);
	}
}

static void free_required(struct guru_module *m)
{
	unsigned int i;

	for (i = 0; i < m->nkprobes; i++)
		kprobe_free(m->kprobes[i]);
	for (i = 0; i < m->nkretprobes; i++)
		kretprobe_free(m->kretprobes[i]);
	kfree(kps);
	kfree(krps);
	kps = NULL;
	krps = NULL;
}

/* The kernel's struct kprobe/kretprobe for every required probe, unregistered. */
static int alloc_required(struct guru_module *m)
{
	unsigned int i;

	kps = kcalloc(max(m->nkprobes, 1u), sizeof(*kps), GFP_KERNEL);
	krps = kcalloc(max(m->nkretprobes, 1u), sizeof(*krps), GFP_KERNEL);
	if (!kps || !krps)
		goto fail;
	for (i = 0; i < m->nkprobes; i++) {
		kps[i] = kprobe_new(m->kprobes[i]);
		if (!kps[i])
			goto fail;
	}
	for (i = 0; i < m->nkretprobes; i++) {
		krps[i] = kretprobe_new(m->kretprobes[i]);
		if (!krps[i])
			goto fail;
	}
	return 0;
fail:
	free_required(m);
	return -ENOMEM;
}

static int guru_module_init(struct guru_module *m)
{
	int err;

	gm = m;
	ring = vmalloc(RING_SIZE);
	if (!ring)
		return -ENOMEM;
	init_irq_work(&wake_work, wake_readers);
	if (m->nthread_vars) {
		tvar_entry_size = ALIGN(sizeof(struct tvar_entry) + m->nthread_vars * sizeof(s64), 8);
		tvar_table = vzalloc(TVAR_CAPACITY * tvar_entry_size);
		err = -ENOMEM;
		if (!tvar_table)
			goto out_ring;
		err = register_kprobe(&tvar_exit_kp);
		if (err)
			goto out_tvar;
	}
	err = alloc_required(m);
	if (err)
		goto out_exit_kp;
	/*
	 * Probes are registered disabled: a bad probe point fails insmod with
	 * the kernel's error right away, and nothing fires until "arm".
	 */
	if (m->nkprobes) {
		err = register_kprobes(kps, m->nkprobes);
		if (err) {
			pr_err("%s: registering kprobes failed: %d\n", m->name, err);
			goto out_free;
		}
	}
	if (m->nkretprobes) {
		err = register_kretprobes(krps, m->nkretprobes);
		if (err) {
			pr_err("%s: registering kretprobes failed: %d\n", m->name, err);
			goto out_kprobes;
		}
	}
	register_wildcards(m);
	ctl_dev.name = m->name;
	err = misc_register(&ctl_dev);
	if (err)
		goto out_wildcards;
	pr_info("%s: loaded, %u probes, inert until armed via /dev/%s\n", m->name, m->nprobes, m->name);
	return 0;

out_wildcards:
	unregister_wildcards(m);
	if (m->nkretprobes)
		unregister_kretprobes(krps, m->nkretprobes);
out_kprobes:
	if (m->nkprobes)
		unregister_kprobes(kps, m->nkprobes);
out_free:
	free_required(m);
out_exit_kp:
	if (m->nthread_vars)
		unregister_kprobe(&tvar_exit_kp);
out_tvar:
	vfree(tvar_table);
out_ring:
	vfree(ring);
	return err;
}

static void guru_module_exit(struct guru_module *m)
{
	/* The file cannot be open here (it pins the module); only --detach is. */
	cancel_delayed_work_sync(&ttl_work);
	mutex_lock(&ctl_lock);
	disarm_locked();
	mutex_unlock(&ctl_lock);
	misc_deregister(&ctl_dev);
	unregister_wildcards(m);
	if (m->nkretprobes)
		unregister_kretprobes(krps, m->nkretprobes);
	if (m->nkprobes)
		unregister_kprobes(kps, m->nkprobes);
	free_required(m);
	if (m->nthread_vars)
		unregister_kprobe(&tvar_exit_kp);
	irq_work_sync(&wake_work);
	vfree(tvar_table);
	vfree(ring);
	pr_info("%s: unloaded\n", m->name);
}

/*
 * module_init lives here rather than in the generated probes.c, which then
 * needs no <linux/module.h>; the module it loads is the one probes.c
 * defines as guru_this.
 */
static int __init guru_init(void)
{
	return guru_module_init(&guru_this);
}

static void __exit guru_exit(void)
{
	guru_module_exit(&guru_this);
}

module_init(guru_init);
module_exit(guru_exit);
MODULE_LICENSE("GPL");
