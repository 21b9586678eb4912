// SPDX-License-Identifier: GPL-2.0
/*
 * guru runtime: control file, event channel, variables, guards and
 * fault-tolerant reads shared by every guru module. See guru_runtime.h for
 * the picture; comments here explain the parts that are subtle.
 *
 * Every module links its own copy of this file, so the statics below are
 * per module: nothing here is shared between guru modules, and any number
 * of them can be loaded and armed at once.
 */
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/cred.h>
#include <linux/percpu.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/poll.h>
#include <linux/wait.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <linux/irq_work.h>
#include <linux/workqueue.h>
#include <linux/stacktrace.h>
#include <linux/glob.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/timekeeping.h>
#include <asm/processor.h>
#include "guru_runtime.h"

static struct guru_module *gm;		/* the one module this runtime serves */

/*
 * What each CPU owns. The producer side (ctx, head, the counters) is
 * written only by this CPU's handlers, which own the CPU while ctx.busy is
 * set; the reader writes only tail, on a cache line of its own.
 */
struct guru_cpu {
	struct guru_ctx ctx;
	u8 *ring;			/* ring_size bytes of whole records */
	u64 head;			/* bytes committed (free-running) */
	u64 emitted, dropped;		/* records: emitted = delivered + dropped + in the ring */
	u64 nested;			/* handler entries refused because ctx was busy (also in each probe's skipped) */
	u64 tvar_claims, tvar_releases;	/* thread-variable entries taken and given back */
	u64 tvar_overflow;		/* thread-variable writes that found no room */
	struct irq_work wake;		/* wakes the reader from any context */
	u64 tail ____cacheline_aligned;	/* bytes consumed (written by the reader) */
};

static struct guru_cpu __percpu *cpus;
struct guru_probe_counts __percpu *guru_counts;	/* [gm->nprobes] per CPU */
struct guru_layout guru_layout __ro_after_init;
static u32 ring_size;			/* per CPU; a power of two */

/*
 * States, changed under ctl_lock:
 *   guru_gate  GURU_GATE_ARMED: handlers run (read locklessly by them),
 *              GURU_GATE_DISABLED: the knob enabled is 0 (guru_runtime.h);
 *   lifecycle  begin/end probes may run (only while arming/disarming);
 *   streaming  the event stream is open: the reader returns end-of-stream
 *              only once it is closed and every ring is empty, and it is
 *              closed only when no handler can emit any more.
 */
unsigned int guru_gate;			/* read locklessly by handlers */
static bool lifecycle, streaming;
static bool detached;			/* stays armed after the file closes */

#define cpu_sum(field) ({						\
	u64 __sum = 0;							\
	int __cpu;							\
	for_each_possible_cpu(__cpu)					\
		__sum += READ_ONCE(per_cpu_ptr(cpus, __cpu)->field);	\
	__sum; })

/* ---- kprobes: the kernel's side of struct guru_kprobe / guru_kretprobe --- */

struct guru_kprobe_impl {
	struct kprobe kp;
	struct guru_kprobe *def;
};

struct guru_kretprobe_impl {
	struct kretprobe krp;
	struct guru_kretprobe *def;
};

int guru_save_args(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	unsigned long *args = (unsigned long *)ri->data;
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
	k->kp.pre_handler = def->pre_handler;	/* the generated handler, called by the kprobe core itself */
	k->kp.flags = KPROBE_FLAG_DISABLED;
	def->impl = k;
	return &k->kp;
}

/*
 * Calls of one function in flight at once that a kretprobe can follow; more
 * are counted in its nmissed. A syscall that blocks (read, futex, poll) can
 * have every thread in it: as many instances as the kernel's default thread
 * limit (kernel/fork.c's set_max_threads: one thread per 8 kernel stacks of
 * RAM), from 256 to 4096 (each holds a struct pt_regs for a syscall's
 * rewritten arguments: 1 MiB at most per kretprobe).
 */
static int default_maxactive(void)
{
	return clamp_t(unsigned long, totalram_pages() / (8 * THREAD_SIZE / PAGE_SIZE), 256, 4096);
}

static struct kretprobe *kretprobe_new(struct guru_kretprobe *def)
{
	struct guru_kretprobe_impl *k = kzalloc(sizeof(*k), GFP_KERNEL);

	if (!k)
		return NULL;
	k->def = def;
	k->krp.kp.symbol_name = def->symbol_name;
	k->krp.kp.flags = KPROBE_FLAG_DISABLED;
	k->krp.entry_handler = def->entry_handler;
	k->krp.handler = def->handler;
	k->krp.data_size = def->data_size;
	k->krp.maxactive = def->maxactive ? def->maxactive : default_maxactive();
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

/* ---- event channel: per-CPU rings of whole records ----------------------- */

/*
 * Each CPU has its own ring: a single producer (the handler that owns the
 * CPU's ctx) and a single consumer (ctl_read, serialised by read_lock), so
 * neither side takes a lock and an NMI-context handler never waits for, or
 * fails because of, another CPU. head and tail are free-running byte
 * counts: the producer publishes a record with a release store of head
 * after writing it, the reader frees space with a release store of tail
 * after copying it out. The reader merges the CPUs' rings by timestamp.
 */
static DEFINE_MUTEX(read_lock);
static DECLARE_WAIT_QUEUE_HEAD(readers);

/*
 * Waking a reader takes the wait-queue lock and may enter the scheduler,
 * which a probe inside the scheduler (or in NMI context) must never do:
 * the producer queues its CPU's irq_work and the wake-up happens from there.
 */
static void wake_readers(struct irq_work *w)
{
	wake_up_interruptible(&readers);
}

static void ring_copy_in(struct guru_cpu *c, u64 pos, const void *src, u32 len)
{
	u32 off = pos & (ring_size - 1), first = min(len, ring_size - off);

	memcpy(c->ring + off, src, first);
	memcpy(c->ring, (const u8 *)src + first, len - first);
}

static void ring_copy_out(struct guru_cpu *c, void *dst, u64 pos, u32 len)
{
	u32 off = pos & (ring_size - 1), first = min(len, ring_size - off);

	memcpy(dst, c->ring + off, first);
	memcpy((u8 *)dst + first, c->ring, len - first);
}

static int ring_copy_to_user(struct guru_cpu *c, char __user *dst, u64 pos, u32 len)
{
	u32 off = pos & (ring_size - 1), first = min(len, ring_size - off);

	if (copy_to_user(dst, c->ring + off, first) || copy_to_user(dst + first, c->ring, len - first))
		return -EFAULT;
	return 0;
}

/* Called by the handler that owns C (ctx.busy): no other writer exists. */
static void ring_push(struct guru_cpu *c, const void *rec, u32 len)
{
	u64 head = c->head, tail = smp_load_acquire(&c->tail);

	WRITE_ONCE(c->emitted, c->emitted + 1);
	if (ring_size - (head - tail) < len) {
		WRITE_ONCE(c->dropped, c->dropped + 1);
		return;
	}
	ring_copy_in(c, head, rec, len);
	smp_store_release(&c->head, head + len);
	/*
	 * Wake the reader only if it had caught up with this ring (it may be
	 * asleep). The full barrier orders the head store before the tail
	 * load; it pairs with the barrier in the reader's prepare_to_wait()
	 * before it checks the rings: either the reader sees this record, or
	 * this sees its tail and wakes it.
	 */
	smp_mb();
	if (READ_ONCE(c->tail) == head)
		irq_work_queue(&c->wake);
}

static bool ring_has_data(struct guru_cpu *c)
{
	return smp_load_acquire(&c->head) != c->tail;
}

static bool rings_empty(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		if (ring_has_data(per_cpu_ptr(cpus, cpu)))
			return false;
	return true;
}

/*
 * Copy whole records, oldest first across the CPUs, into BUF (at most
 * COUNT bytes). Holds read_lock. A record leaves its ring only once it is
 * in user memory, so a fault loses nothing.
 */
static ssize_t copy_records(char __user *buf, size_t count)
{
	size_t n = 0;

	for (;;) {
		struct guru_cpu *best = NULL;
		struct guru_rec_hdr hdr, best_hdr;
		int cpu;

		for_each_possible_cpu(cpu) {
			struct guru_cpu *c = per_cpu_ptr(cpus, cpu);

			if (!ring_has_data(c))
				continue;
			ring_copy_out(c, &hdr, c->tail, sizeof(hdr));
			if (!best || hdr.nsecs < best_hdr.nsecs) {
				best = c;
				best_hdr = hdr;
			}
		}
		if (!best || n + best_hdr.size > count)
			break;
		if (ring_copy_to_user(best, buf + n, best->tail, best_hdr.size))
			return n ? n : -EFAULT;
		smp_store_release(&best->tail, best->tail + best_hdr.size);
		n += best_hdr.size;
	}
	return n;
}

/* ---- per-thread variables ----------------------------------------------- */

/*
 * A table of entries, each owned by one task: its task_struct address (0:
 * free) and start time, then the module's thread-variable slots. Only the
 * owner reads or writes an entry's values, so they need no lock; a task
 * claims a free entry with cmpxchg and gives it back when all its values
 * are zero again, when it exits, or at the latest when its task_struct is
 * freed, so nothing outlives the task (see tvar_exit_kps). The start time
 * catches the one case a hook cannot: a hook that was missed (kprobes do
 * not nest; a miss is counted in tvar_exit_missed) leaves a dead task's
 * entry behind, and a new task at the same address must not inherit it.
 *
 * Lookup: two-choice hashing over buckets of TVAR_BUCKET entries (one
 * cache line of owners each); a new entry goes to the emptier bucket, so
 * buckets overflow only near full capacity; a write that finds no room is
 * counted in tvar_overflow and faults, never silently dropped.
 *
 * Capacity: twice the kernel's default thread limit (kernel/fork.c's
 * set_max_threads: one thread per 8 kernel stacks of RAM), rounded to a
 * power of two and bounded by TVAR_MAX_BYTES of memory. Entry size comes
 * from the spec (its thread variables and entry-value slots).
 */
#define TVAR_BUCKET	8
#define TVAR_MIN	1024u
#define TVAR_MAX_BYTES	(64u << 20)

static unsigned int tvar_capacity;
static unsigned long *tvar_owner;	/* [tvar_capacity] */
static u64 *tvar_start;			/* [tvar_capacity] */
static s64 *tvar_vals;			/* [tvar_capacity][gm->nthread_vars] */
/* gm->syscall_copies: each task's copy of its syscall registers (struct guru_sys_call). */
static struct pt_regs *tvar_regs;	/* [tvar_capacity] */
static u8 *tvar_holds_regs;		/* [tvar_capacity]: keep the entry while the task lives */

/* The table exists for thread variables, and for syscall copies. */
static bool tvar_used(void)
{
	return gm->nthread_vars || gm->syscall_copies;
}
static unsigned int tvar_buckets_log;	/* log2(tvar_capacity / TVAR_BUCKET) */

static s64 *tvar_values(int i)
{
	return tvar_vals + (size_t)i * gm->nthread_vars;
}

static unsigned int tvar_bucket(unsigned long task, unsigned int choice)
{
	/* Two hashes of the address: as it is, and with half its bits flipped. */
	u64 key = choice ? (u64)task ^ 0x5bd1e9955bd1e995ull : (u64)task;

	return hash_64(key, tvar_buckets_log) * TVAR_BUCKET;
}

/* Index of TASK's entry, or -1. */
static int tvar_find(unsigned long task)
{
	unsigned int b, k;

	for (b = 0; b < 2; b++) {
		unsigned int first = tvar_bucket(task, b);

		for (k = 0; k < TVAR_BUCKET; k++)
			if (READ_ONCE(tvar_owner[first + k]) == task)
				return first + k;
	}
	return -1;
}

/* current's live entry: found, owned, and from this task's lifetime. */
static int tvar_mine(void)
{
	int i = tvar_find((unsigned long)current);

	return i >= 0 && tvar_start[i] == current->start_time ? i : -1;
}

static void tvar_release(int i)
{
	smp_store_release(&tvar_owner[i], 0);
	this_cpu_inc(cpus->tvar_releases);
}

/* A zeroed entry for current, or -1 if both its buckets are full. */
static int tvar_claim(void)
{
	unsigned long me = (unsigned long)current;
	int i = tvar_find(me);

	if (i >= 0) {
		/* A dead task's entry at our address (its exit hooks were missed): reuse it. */
		memset(tvar_values(i), 0, gm->nthread_vars * sizeof(s64));
		if (tvar_holds_regs)
			tvar_holds_regs[i] = 0;
		tvar_start[i] = current->start_time;
		return i;
	}
	for (;;) {
		unsigned int used[2] = { 0, 0 }, b, k, first;
		int free[2] = { -1, -1 };

		for (b = 0; b < 2; b++) {
			first = tvar_bucket(me, b);
			for (k = 0; k < TVAR_BUCKET; k++) {
				if (READ_ONCE(tvar_owner[first + k]))
					used[b]++;
				else if (free[b] < 0)
					free[b] = first + k;
			}
		}
		b = free[1] >= 0 && (free[0] < 0 || used[1] < used[0]);
		if (free[b] < 0) {
			this_cpu_inc(cpus->tvar_overflow);
			return -1;
		}
		/* Another task may take the same free entry first: then look again. */
		if (cmpxchg(&tvar_owner[free[b]], 0, me) == 0) {
			i = free[b];
			memset(tvar_values(i), 0, gm->nthread_vars * sizeof(s64));
			if (tvar_holds_regs)
				tvar_holds_regs[i] = 0;
			tvar_start[i] = current->start_time;
			this_cpu_inc(cpus->tvar_claims);
			return i;
		}
	}
}

s64 guru_tvar_get(unsigned int id)
{
	int i = tvar_mine();

	return i >= 0 ? tvar_values(i)[id] : 0;
}

/* Set N slots from ID on of current's entry; false if the table is full. */
static bool tvar_store(unsigned int id, const s64 *values, unsigned int n)
{
	int i = tvar_mine();
	unsigned int s;
	s64 *vals;

	if (i < 0) {
		bool any = false;

		for (s = 0; s < n; s++)
			any |= values[s] != 0;
		if (!any)
			return true;	/* zero is what an absent entry reads */
		i = tvar_claim();
		if (i < 0)
			return false;
	}
	vals = tvar_values(i);
	for (s = 0; s < n; s++)
		vals[id + s] = values[s];
	for (s = 0; s < gm->nthread_vars; s++)
		if (vals[s])
			return true;
	if (!tvar_holds_regs || !tvar_holds_regs[i])
		tvar_release(i);	/* all zero again: the entry goes back */
	return true;
}

/* current's copy of its syscall registers (struct guru_sys_call), or NULL if the table is full. */
static struct pt_regs *tvar_task_regs(void)
{
	int i = tvar_mine();

	if (i < 0)
		i = tvar_claim();
	if (i < 0)
		return NULL;
	tvar_holds_regs[i] = 1;
	return &tvar_regs[i];
}

bool guru_tvar_set(struct guru_ctx *ctx, unsigned int id, s64 value)
{
	if (tvar_store(id, &value, 1))
		return true;
	ctx->fault.kind = GURU_FAULT_TVAR_FULL;
	ctx->fault.addr = 0;
	return false;
}

void guru_entry_save(unsigned int slot, unsigned long value, unsigned long cfa)
{
	s64 pair[2] = { (s64)value, (s64)cfa };

	/* A full table (counted in tvar_overflow) only costs the capture: the statement then reports a fault. */
	if (guru_is_armed())
		tvar_store(slot, pair, 2);
}

bool guru_entry_load(struct guru_ctx *ctx, unsigned int slot, unsigned long cfa, u64 *value)
{
	int i = tvar_mine();

	if (i >= 0 && (unsigned long)tvar_values(i)[slot + 1] == cfa) {
		*value = (u64)tvar_values(i)[slot];
		return true;
	}
	ctx->fault.kind = GURU_FAULT_NO_ENTRY_VALUE;
	ctx->fault.addr = cfa;
	return false;
}

/*
 * A task's entry goes when the task does. do_exit() gives it back early (a
 * zombie holds no entry), but do_exit() goes on to run code a probe may
 * watch (exit_files()' fput, exit_task_work(), the last schedule()), which
 * can write a thread variable again; __put_task_struct(), when the
 * task_struct itself is freed, is after the last thing the task can run.
 * Both are armed only while the module is (tvar_arm), and the table is
 * emptied on disarm, when no handler runs any more.
 */
static void tvar_forget(unsigned long task)
{
	int i = tvar_find(task);

	if (i >= 0)
		tvar_release(i);
}

static int tvar_task_exit(struct kprobe *kp, struct pt_regs *regs)
{
	tvar_forget((unsigned long)current);
	return 0;
}

static int tvar_task_free(struct kprobe *kp, struct pt_regs *regs)
{
	tvar_forget(regs_get_kernel_argument(regs, 0));	/* struct task_struct *tsk */
	return 0;
}

static struct kprobe tvar_exit_kps[2] = {
	{ .symbol_name = "do_exit", .pre_handler = tvar_task_exit, .flags = KPROBE_FLAG_DISABLED },
	{ .symbol_name = "__put_task_struct", .pre_handler = tvar_task_free, .flags = KPROBE_FLAG_DISABLED },
};

static int tvar_init(void)
{
	unsigned long threads = totalram_pages() / (8 * THREAD_SIZE / PAGE_SIZE);
	size_t entry = sizeof(unsigned long) + sizeof(u64) + gm->nthread_vars * sizeof(s64) +
		       (gm->syscall_copies ? sizeof(struct pt_regs) + 1 : 0);
	unsigned int cap;
	int err;

	if (!tvar_used())
		return 0;
	cap = roundup_pow_of_two(clamp_t(unsigned long, 2 * threads, TVAR_MIN, TVAR_MAX_BYTES / entry));
	while ((size_t)cap * entry > TVAR_MAX_BYTES && cap > TVAR_MIN)
		cap /= 2;
	tvar_capacity = cap;
	tvar_buckets_log = ilog2(cap / TVAR_BUCKET);
	tvar_owner = vzalloc(cap * sizeof(*tvar_owner));
	tvar_start = vzalloc(cap * sizeof(*tvar_start));
	tvar_vals = gm->nthread_vars ? vzalloc((size_t)cap * gm->nthread_vars * sizeof(s64)) : NULL;
	if (gm->syscall_copies) {
		tvar_regs = vmalloc(cap * sizeof(*tvar_regs));
		tvar_holds_regs = vzalloc(cap);
	}
	err = -ENOMEM;
	if (!tvar_owner || !tvar_start || (gm->nthread_vars && !tvar_vals) ||
	    (gm->syscall_copies && (!tvar_regs || !tvar_holds_regs)))
		goto fail;
	err = register_kprobe(&tvar_exit_kps[0]);
	if (err)
		goto fail;
	err = register_kprobe(&tvar_exit_kps[1]);
	if (err) {
		unregister_kprobe(&tvar_exit_kps[0]);
		goto fail;
	}
	return 0;
fail:
	vfree(tvar_owner);
	vfree(tvar_start);
	vfree(tvar_vals);
	vfree(tvar_regs);
	vfree(tvar_holds_regs);
	return err;
}

static void tvar_exit(void)
{
	struct kprobe *kps[] = { &tvar_exit_kps[0], &tvar_exit_kps[1] };

	if (!tvar_used())
		return;
	unregister_kprobes(kps, ARRAY_SIZE(kps));
	vfree(tvar_owner);
	vfree(tvar_start);
	vfree(tvar_vals);
	vfree(tvar_regs);
	vfree(tvar_holds_regs);
}

/* The exit hooks are live only while the module is armed, not from the load on. */
static void tvar_hooks(bool on)
{
	unsigned int i;

	if (!tvar_used())
		return;
	for (i = 0; i < ARRAY_SIZE(tvar_exit_kps); i++)
		(on ? enable_kprobe : disable_kprobe)(&tvar_exit_kps[i]);
}

/* After the last handler and hook (disarm_locked's grace period): every entry goes. */
static void tvar_clear(void)
{
	unsigned int i;

	if (!tvar_used())
		return;
	/*
	 * A task may still be between a syscall kprobe that pointed its
	 * wrapper at the task's copy and the wrapper's first instructions,
	 * which read it (preemptible: an RCU grace period does not cover it).
	 * Every task passes a voluntary context switch only after those.
	 */
	if (gm->syscall_copies)
		synchronize_rcu_tasks();
	for (i = 0; i < tvar_capacity; i++)
		if (tvar_owner[i])
			tvar_release(i);
}

/* ---- arming ------------------------------------------------------------- */

static DEFINE_MUTEX(ctl_lock);
static unsigned long ttl_deadline;	/* jiffies; valid while ttl_work is pending */
static unsigned long opened;		/* bit 0: the control file is open */
static void ttl_expired(struct work_struct *w);
static void set_knob_locked(unsigned int id, s64 value, u32 cause, u64 ms);
/*
 * The delayed works below run on system_long_wq: a disarm waits for RCU
 * grace periods, and 7.x warns about system_wq (and system_unbound_wq),
 * whose replacements 6.1 does not have; system_long_wq is in both.
 */
static DECLARE_DELAYED_WORK(ttl_work, ttl_expired);
/* guru set --disable-for: enabled goes back to 1 when reenable_work runs, if still pending. */
static bool reenable_pending;
static unsigned long reenable_deadline;	/* jiffies; valid while reenable_pending */
static void reenable_expired(struct work_struct *w);
static DECLARE_DELAYED_WORK(reenable_work, reenable_expired);


/* Run begin/end probes in process context on this CPU's scratch. */
static void run_lifecycle(void (*fn)(void))
{
	if (!fn)
		return;
	WRITE_ONCE(lifecycle, true);
	preempt_disable();
	fn();
	preempt_enable();
	WRITE_ONCE(lifecycle, false);
}

static void set_probes(bool on)
{
	unsigned int i;

#define SET(kind, def) do { if ((def)->impl) (on ? enable_##kind : disable_##kind)(kind##_of(def)); } while (0)
	for (i = 0; i < gm->nkprobes; i++)
		SET(kprobe, gm->kprobes[i]);
	for (i = 0; i < gm->nkretprobes; i++)
		SET(kretprobe, gm->kretprobes[i]);
	for (i = 0; i < gm->nwild_kprobes; i++)
		SET(kprobe, gm->wild_kprobes[i]);
	for (i = 0; i < gm->nwild_kretprobes; i++)
		SET(kretprobe, gm->wild_kretprobes[i]);
#undef SET
}

static bool armed_locked(void)
{
	lockdep_assert_held(&ctl_lock);
	return guru_gate & GURU_GATE_ARMED;
}

/*
 * Attach sets are armed first: arming one may fail (a uprobe the kernel
 * refuses at registration), and then nothing else has happened yet, no
 * begin probe ran, and the arm command fails with its error. Their
 * handlers that run before the gate opens below do nothing (guru_enter).
 * The gate opens only after the begin probes have run (they run on
 * `lifecycle`, not the gate): a handler on another CPU never sees the vars
 * before begin has set them, nor emits before begin's records.
 */
static int arm_locked(void)
{
	unsigned int i;
	int err;

	if (armed_locked())
		return 0;
	for (i = 0; i < gm->nattach_sets; i++) {
		err = gm->attach_sets[i].ops->arm ? gm->attach_sets[i].ops->arm(&gm->attach_sets[i]) : 0;
		if (err) {
			while (i--)
				if (gm->attach_sets[i].ops->disarm)
					gm->attach_sets[i].ops->disarm(&gm->attach_sets[i]);
			return err;
		}
	}
	tvar_hooks(true);
	smp_store_release(&streaming, true);
	run_lifecycle(gm->begin);
	WRITE_ONCE(guru_gate, guru_gate | GURU_GATE_ARMED);
	set_probes(true);
	for (i = 0; i < gm->nattach_sets; i++)
		if (gm->attach_sets[i].ops->start)
			gm->attach_sets[i].ops->start(&gm->attach_sets[i]);
	return 0;
}

static void disarm_locked(void)
{
	unsigned int i;

	if (!armed_locked())
		return;
	/* Handlers that run on their own (timers) stop first: none runs after this. */
	for (i = 0; i < gm->nattach_sets; i++)
		if (gm->attach_sets[i].ops->stop)
			gm->attach_sets[i].ops->stop(&gm->attach_sets[i]);
	/*
	 * A --disable-for re-enable is for this armed session only
	 * (reenable_expired checks the flag); the session ends enabled, as it
	 * would have once the time was up, so that the end probes run and the
	 * next arm of this module does not start disabled.
	 */
	if (reenable_pending) {
		WRITE_ONCE(reenable_pending, false);
		cancel_delayed_work(&reenable_work);
		set_knob_locked(0, 1, GURU_KNOB_REENABLED, 0);
	}
	for (i = 0; i < gm->nattach_sets; i++)
		if (gm->attach_sets[i].ops->disarm)
			gm->attach_sets[i].ops->disarm(&gm->attach_sets[i]);
	set_probes(false);
	tvar_hooks(false);
	WRITE_ONCE(guru_gate, guru_gate & ~GURU_GATE_ARMED);
	/*
	 * Every handler runs with preemption disabled (kprobe handlers, and
	 * kretprobe return handlers inside rethook_trampoline_handler()'s
	 * preempt_disable_notrace()), and checks the gate in guru_enter(). Once
	 * an RCU grace period has passed, none that saw it set is still
	 * running on any CPU, including return handlers of calls that were in
	 * flight: nothing but the end probes below emits after this point, so
	 * they come last and emitted = delivered + dropped holds exactly once
	 * the reader has drained the rings.
	 */
	synchronize_rcu();
	run_lifecycle(gm->end);
	tvar_clear();
	detached = false;
	smp_store_release(&streaming, false);
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

static int ctl_open(struct inode *inode, struct file *file)
{
	/*
	 * Without write access the file is no supervisor's: it reads a
	 * snapshot of the aggregates (guru metrics, the session summary),
	 * which any number of readers may take while the supervisor runs.
	 */
	if (!(file->f_mode & FMODE_WRITE))
		return gm->agg_open ? gm->agg_open(inode, file) : -ENODATA;
	if (test_and_set_bit(0, &opened))
		return -EBUSY;	/* one supervisor at a time */
	return 0;
}

static int ctl_release(struct inode *inode, struct file *file)
{
	/* The supervisor is gone (exit, crash or SIGKILL): disarm now. */
	mutex_lock(&ctl_lock);
	if (!detached)
		disarm_locked();
	mutex_unlock(&ctl_lock);
	clear_bit(0, &opened);
	return 0;
}

/*
 * Readers of one file (threads, or a forked child holding it) take turns:
 * each ring has one consumer at a time.
 */
static ssize_t ctl_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	ssize_t n;
	int err;

	if (count < GURU_REC_MAX)
		return -EINVAL;	/* must fit the largest record */
	if (mutex_lock_interruptible(&read_lock))
		return -ERESTARTSYS;
	for (;;) {
		n = copy_records(buf, count);
		if (n)
			break;
		/* Closed, then drained: end of stream. (Order: see disarm_locked.) */
		if (!smp_load_acquire(&streaming) && rings_empty())
			break;
		if (file->f_flags & O_NONBLOCK) {
			n = -EAGAIN;
			break;
		}
		err = wait_event_interruptible(readers, !rings_empty() || !READ_ONCE(streaming));
		if (err) {
			n = err;
			break;
		}
	}
	mutex_unlock(&read_lock);
	return n;
}

static __poll_t ctl_poll(struct file *file, poll_table *wait)
{
	poll_wait(file, &readers, wait);
	if (!rings_empty() || !READ_ONCE(streaming))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

/* ---- knobs: the built-in enabled and the spec's params: ------------------ */

/*
 * Knob 0 is `enabled`, which lives in guru_gate; knob 1 + i is param i, an
 * s64 in the module's guru_params[] (struct guru_param). Every change goes
 * through set_knob_locked under ctl_lock, so changes are serialised and the
 * event stream reports them in the order they took effect. Handlers never
 * take the lock: they read the words with READ_ONCE, and a change reaches
 * each CPU's next hit.
 */
#define KNOB_CMD_MAX	128	/* "set NAME VALUE": a name of at most 48 bytes */

static unsigned int knob_count(void)
{
	return 1 + gm->nparams;
}

static const char *knob_name(unsigned int id)
{
	return id ? gm->param_defs[id - 1].name : "enabled";
}

static s64 knob_value(unsigned int id)
{
	return id ? READ_ONCE(gm->params[id - 1]) : !(READ_ONCE(guru_gate) & GURU_GATE_DISABLED);
}

/* A record's header, all but its size: who and when, on this CPU (preemption off). */
static void rec_header(struct guru_rec_hdr *h, u16 type, u16 id)
{
	h->type = type;
	h->id = id;
	h->cpu = smp_processor_id();
	h->pid = current->tgid;
	h->tid = current->pid;
	h->nsecs = ktime_get_mono_fast_ns();
}

/*
 * Report a change to the supervisor's stream, if there is one (the module
 * is armed; otherwise the params file has the value). This runs in process
 * context (a write to the control or params file, or reenable_work), not in
 * a handler. The record is built here, not in this CPU's scratch (ctx):
 * a uprobe handler may own that scratch, busy set, while it sleeps paging
 * in user memory (guru_copy_user), and this task may be the one the CPU
 * runs meanwhile. Pushing is still safe: the ring has one producer at a
 * time on this CPU, and no handler ever sleeps inside ring_push. With
 * preemption off and busy set for the push, a probe hit in an interrupt
 * here is skipped; busy is given back only if it was not already set.
 */
static void emit_knob_locked(unsigned int id, s64 old, s64 value, u32 cause, u64 ms)
{
	struct {
		struct guru_rec_hdr h;
		struct guru_knob_payload p;
	} __aligned(8) rec;
	struct guru_cpu *c;
	bool owned;

	if (!armed_locked())
		return;
	memset(&rec, 0, sizeof(rec));
	rec.p.old = old;
	rec.p.value = value;
	rec.p.cause = cause;
	rec.p.ms = ms;
	rec.h.size = sizeof(rec);
	preempt_disable();
	c = this_cpu_ptr(cpus);
	owned = READ_ONCE(c->ctx.busy);
	WRITE_ONCE(c->ctx.busy, true);
	barrier();
	rec_header(&rec.h, GURU_REC_KNOB, id);
	ring_push(c, &rec, sizeof(rec));
	barrier();
	if (!owned)
		WRITE_ONCE(c->ctx.busy, false);
	preempt_enable();
}

static void set_knob_locked(unsigned int id, s64 value, u32 cause, u64 ms)
{
	s64 old = knob_value(id);

	lockdep_assert_held(&ctl_lock);
	if (id)
		WRITE_ONCE(gm->params[id - 1], value);
	else
		WRITE_ONCE(guru_gate, value ? guru_gate & ~GURU_GATE_DISABLED : guru_gate | GURU_GATE_DISABLED);
	emit_knob_locked(id, old, value, cause, ms);
}

/* VALUE as knob ID's, within its range: 0 with *value set, or -EINVAL / -ERANGE. */
static int parse_knob_value(unsigned int id, const char *text, s64 *value)
{
	const struct guru_param *d = id ? &gm->param_defs[id - 1] : NULL;
	int err;

	if (!d || d->is_unsigned) {
		u64 v;

		err = kstrtoull(text, 0, &v);
		if (err)
			return err;
		if (d ? v < (u64)d->min || v > (u64)d->max : v > 1)
			return -ERANGE;
		*value = (s64)v;
		return 0;
	}
	err = kstrtoll(text, 0, value);
	if (err)
		return err;
	return *value < d->min || *value > d->max ? -ERANGE : 0;
}

static int knob_id(const char *name)
{
	unsigned int id;

	for (id = 0; id < knob_count(); id++)
		if (!strcmp(knob_name(id), name))
			return id;
	return -ENOENT;
}

/*
 * The knob commands, taken by the control file and the params file:
 *   "set NAME VALUE"  (an explicit enabled= also drops a pending re-enable)
 *   "disable-for MS"  enabled = 0 now, and 1 again after MS milliseconds,
 *                     by reenable_work; only while armed, as it is dropped
 *                     at disarm.
 */
static int knob_command_locked(const char *cmd)
{
	char name[KNOB_CMD_MAX], text[KNOB_CMD_MAX];
	unsigned long ms;
	s64 value;
	int id, err;

	lockdep_assert_held(&ctl_lock);
	if (sscanf(cmd, "disable-for %lu", &ms) == 1) {
		if (!armed_locked())
			return -EINVAL;
		if (!ms || msecs_to_jiffies(ms) >= MAX_JIFFY_OFFSET)
			return -ERANGE;
		WRITE_ONCE(reenable_pending, true);
		WRITE_ONCE(reenable_deadline, jiffies + msecs_to_jiffies(ms));
		mod_delayed_work(system_long_wq, &reenable_work, msecs_to_jiffies(ms));
		set_knob_locked(0, 0, GURU_KNOB_DISABLE_FOR, ms);
		return 0;
	}
	if (sscanf(cmd, "set %127s %127s", name, text) != 2)
		return -EINVAL;
	id = knob_id(name);
	if (id < 0)
		return id;
	err = parse_knob_value(id, text, &value);
	if (err)
		return err;
	if (id == 0 && reenable_pending) {
		/* Not _sync: reenable_expired waits for ctl_lock, and finds the flag clear. */
		WRITE_ONCE(reenable_pending, false);
		cancel_delayed_work(&reenable_work);
	}
	set_knob_locked(id, value, GURU_KNOB_SET, 0);
	return 0;
}

static void reenable_expired(struct work_struct *w)
{
	mutex_lock(&ctl_lock);
	/*
	 * A newer --disable-for may have come while this run waited for the
	 * lock: it requeued the work, and that later run is the one to
	 * re-enable (this one is stale).
	 */
	if (reenable_pending && !delayed_work_pending(&reenable_work)) {
		WRITE_ONCE(reenable_pending, false);
		set_knob_locked(0, 1, GURU_KNOB_REENABLED, 0);
	}
	mutex_unlock(&ctl_lock);
}

static long reenable_left_ms(void)
{
	if (!READ_ONCE(reenable_pending))
		return -1;
	return jiffies_to_msecs(max_t(long, 0, (long)(READ_ONCE(reenable_deadline) - jiffies)));
}

/*
 * /sys/class/misc/guru_<name>/params: read, one line per knob, "NAME VALUE
 * TYPE MIN MAX", then "reenable_ms MS" (-1: no re-enable pending); written,
 * a knob command (guru set). At most 1 + 32 knobs of names up to 48 bytes
 * (src/patchSpec/parseDeclarations.ts): the text fits the one page sysfs
 * gives a show().
 */
static ssize_t params_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	unsigned int id;
	int n = 0;

	for (id = 0; id < knob_count(); id++) {
		const struct guru_param *d = id ? &gm->param_defs[id - 1] : NULL;
		s64 v = knob_value(id);

		if (!d)
			n += sysfs_emit_at(buf, n, "enabled %lld bool 0 1\n", v);
		else if (d->is_unsigned)
			n += sysfs_emit_at(buf, n, "%s %llu %s %llu %llu\n", d->name, (u64)v, d->type, (u64)d->min, (u64)d->max);
		else
			n += sysfs_emit_at(buf, n, "%s %lld %s %lld %lld\n", d->name, v, d->type, d->min, d->max);
	}
	n += sysfs_emit_at(buf, n, "reenable_ms %ld\n", reenable_left_ms());
	return n;
}

static ssize_t params_store(struct device *dev, struct device_attribute *attr, const char *buf, size_t count)
{
	char cmd[KNOB_CMD_MAX];
	int err;

	if (count >= sizeof(cmd))
		return -EINVAL;
	memcpy(cmd, buf, count);
	cmd[count] = '\0';
	mutex_lock(&ctl_lock);
	err = knob_command_locked(strim(cmd));
	mutex_unlock(&ctl_lock);
	return err ? err : count;
}

/* Everyone may read the knobs (as the stats); only root may change them. */
static struct device_attribute params_attr = __ATTR(params, 0644, params_show, params_store);

/* Longest ttl the timer takes: msecs_to_jiffies() and HZ multiples must not overflow. */
#define TTL_MAX_SECONDS	(MAX_JIFFY_OFFSET / HZ)

/*
 * Commands, one per write: "arm", "disarm", "detach <ttl seconds>" (0: no
 * ttl), the knob commands (knob_command_locked), and "clear <map>" (the
 * supervisor's part of clear(@x); not under ctl_lock: it may wait for
 * handlers, and the maps are not the lifecycle's).
 */
static ssize_t ctl_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	char cmd[KNOB_CMD_MAX];
	unsigned long ttl;
	unsigned int map;
	int err = 0;

	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = '\0';
	strim(cmd);

	if (sscanf(cmd, "clear %u", &map) == 1) {
		err = gm->agg_clear ? gm->agg_clear(map) : -EINVAL;
		return err ? err : count;
	}
	mutex_lock(&ctl_lock);
	if (!strcmp(cmd, "arm")) {
		err = arm_locked();
	} else if (!strcmp(cmd, "disarm")) {
		cancel_delayed_work(&ttl_work);
		disarm_locked();
	} else if (sscanf(cmd, "detach %lu", &ttl) == 1) {
		if (!armed_locked()) {
			err = -EINVAL;
		} else if (ttl > TTL_MAX_SECONDS) {
			err = -ERANGE;
		} else {
			detached = true;
			if (ttl) {
				ttl_deadline = jiffies + ttl * HZ;
				mod_delayed_work(system_long_wq, &ttl_work, ttl * HZ);
			}
		}
	} else {
		err = knob_command_locked(cmd);
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

static unsigned int wild_skipped;	/* wildcard matches the kernel refused */

/*
 * The stats file is text, one "key value..." line each, every line padded
 * to STATS_LINE bytes. sysfs hands a binary attribute out a page at a time
 * (kernfs reads at most PAGE_SIZE per call), so fixed-width lines let each
 * read produce exactly the lines it covers, for any number of probes, and
 * a reader that reads in pieces never sees a line cut differently in two
 * pieces.
 */
#define STATS_LINE	160
#define STATS_HEADER	10	/* lines before the probes */

static unsigned long probe_nmissed(struct guru_probe *p)
{
	struct kprobe *kp = p->kp ? kprobe_of(p->kp) : NULL;
	struct kretprobe *krp = p->krp ? kretprobe_of(p->krp) : NULL;
	unsigned long n = kp ? kp->nmissed : krp ? krp->nmissed + krp->kp.nmissed : 0;
	unsigned int s;

	for (s = 0; s < p->nsites; s++)
		if (p->sites[s]->impl)
			n += kprobe_of(p->sites[s])->nmissed;
	return n;
}

static long ttl_left_ms(void)
{
	if (!READ_ONCE(detached) || !delayed_work_pending(&ttl_work))
		return -1;
	return jiffies_to_msecs(max_t(long, 0, (long)(READ_ONCE(ttl_deadline) - jiffies)));
}

/* Line I of the stats text, unpadded, into LINE (STATS_LINE bytes). */
static int stats_line(unsigned int i, char *line)
{
	if (i >= STATS_HEADER) {
		unsigned int id = i - STATS_HEADER;
		u64 c[5] = { 0 };
		int cpu;

		for_each_possible_cpu(cpu) {
			struct guru_probe_counts *pc = per_cpu_ptr(guru_counts, cpu) + id;

			/* A where: miss is a hit the guard turned away. */
			c[0] += READ_ONCE(pc->hits) + READ_ONCE(pc->where_misses);
			c[1] += READ_ONCE(pc->misses) + READ_ONCE(pc->where_misses);
			c[2] += READ_ONCE(pc->writes);
			c[3] += READ_ONCE(pc->faults);
			c[4] += READ_ONCE(pc->skipped);
		}
		return scnprintf(line, STATS_LINE, "probe %u hits %llu misses %llu writes %llu faults %llu nmissed %lu",
				 id, c[0], c[1], c[2], c[3], probe_nmissed(&gm->probes[id]) + (unsigned long)c[4]);
	}
	switch (i) {
	case 0:
		return scnprintf(line, STATS_LINE, "state %s",
				 guru_is_armed() ? (READ_ONCE(detached) ? "detached" : "armed") : "disarmed");
	case 1:
		return scnprintf(line, STATS_LINE, "ttl_ms %ld", ttl_left_ms());
	case 2:
		return scnprintf(line, STATS_LINE, "emitted %llu", cpu_sum(emitted));
	case 3:
		return scnprintf(line, STATS_LINE, "dropped %llu", cpu_sum(dropped));
	case 4:
		return scnprintf(line, STATS_LINE, "nested %llu", cpu_sum(nested));
	case 5:
		return scnprintf(line, STATS_LINE, "tvar_entries %lld", (s64)(cpu_sum(tvar_claims) - cpu_sum(tvar_releases)));
	case 6:
		return scnprintf(line, STATS_LINE, "tvar_capacity %u", tvar_capacity);
	case 7:
		return scnprintf(line, STATS_LINE, "tvar_overflow %llu", cpu_sum(tvar_overflow));
	case 8:
		return scnprintf(line, STATS_LINE, "tvar_exit_missed %lu",
				 tvar_exit_kps[0].nmissed + tvar_exit_kps[1].nmissed);
	default:
		return scnprintf(line, STATS_LINE, "wildcard_skipped %u", wild_skipped);
	}
}

static ssize_t stats_read(char *buf, loff_t off, size_t count)
{
	loff_t total = (loff_t)(STATS_HEADER + gm->nprobes) * STATS_LINE;
	char line[STATS_LINE];
	size_t n = 0;

	while (n < count && off + n < total) {
		loff_t pos = off + n;
		unsigned int i = pos / STATS_LINE, at = pos % STATS_LINE;
		int len = stats_line(i, line);
		size_t take;

		memset(line + len, ' ', STATS_LINE - 1 - len);
		line[STATS_LINE - 1] = '\n';
		take = min_t(size_t, STATS_LINE - at, count - n);
		memcpy(buf + n, line + at, take);
		n += take;
	}
	return n;
}

/*
 * The wildcards file: one fixed-width line per wildcard match, "probe P
 * match M error E" (E: what registering it returned, 0 when it is probed),
 * so the summary can say which matches the kernel refused and why.
 */
#define WILD_LINE	48

static ssize_t wildcards_read(char *buf, loff_t off, size_t count)
{
	unsigned int nk = gm->nwild_kprobes, total_lines = nk + gm->nwild_kretprobes;
	loff_t total = (loff_t)total_lines * WILD_LINE;
	char line[WILD_LINE];
	size_t n = 0;

	while (n < count && off + n < total) {
		loff_t pos = off + n;
		unsigned int i = pos / WILD_LINE, at = pos % WILD_LINE;
		unsigned int probe = i < nk ? gm->wild_kprobes[i]->probe : gm->wild_kretprobes[i - nk]->probe;
		unsigned int match = i < nk ? gm->wild_kprobes[i]->match : gm->wild_kretprobes[i - nk]->match;
		int error = i < nk ? gm->wild_kprobes[i]->error : gm->wild_kretprobes[i - nk]->error;
		int len = scnprintf(line, WILD_LINE, "probe %u match %u error %d", probe, match, error);
		size_t take;

		memset(line + len, ' ', WILD_LINE - 1 - len);
		line[WILD_LINE - 1] = '\n';
		take = min_t(size_t, WILD_LINE - at, count - n);
		memcpy(buf + n, line + at, take);
		n += take;
	}
	return n;
}

/* The module's manifest (JSON): guru metrics and guru ps name a loaded module's probes and maps from it. */
static ssize_t manifest_read(char *buf, loff_t off, size_t count)
{
	if (off >= gm->manifest_len)
		return 0;
	count = min_t(size_t, count, gm->manifest_len - off);
	memcpy(buf, gm->manifest + off, count);
	return count;
}

/*
 * The read callback's attribute argument became const in later kernels
 * (7.x: `const struct bin_attribute *`, and attribute_group's bin_attrs a
 * `const struct bin_attribute *const *`); 6.1 and 6.12 take them non-const.
 * Rather than guess the release that changed it, each file gets both
 * callbacks, and the one whose type matches the kernel's member is chosen
 * at compile time (the array takes the member's type below).
 */
typedef ssize_t (*bin_read_const_fn)(struct file *, struct kobject *, const struct bin_attribute *,
				     char *, loff_t, size_t);

#define BIN_ATTR_READ_IS_CONST \
	__builtin_types_compatible_p(typeof(((struct bin_attribute *)0)->read), bin_read_const_fn)

/* A root-readable file NAME in the control device's directory, read by NAME##_read(buf, off, count). */
#define GURU_BIN_ATTR_RO(NAME)									\
static ssize_t __maybe_unused NAME##_read_const(struct file *file, struct kobject *kobj,		\
		const struct bin_attribute *attr, char *buf, loff_t off, size_t count)		\
{												\
	return NAME##_read(buf, off, count);							\
}												\
static ssize_t __maybe_unused NAME##_read_plain(struct file *file, struct kobject *kobj,		\
		struct bin_attribute *attr, char *buf, loff_t off, size_t count)		\
{												\
	return NAME##_read(buf, off, count);							\
}												\
static struct bin_attribute NAME##_attr = {							\
	.attr = { .name = #NAME, .mode = 0444 },						\
	.read = __builtin_choose_expr(BIN_ATTR_READ_IS_CONST, NAME##_read_const, NAME##_read_plain), \
}

GURU_BIN_ATTR_RO(stats);
GURU_BIN_ATTR_RO(wildcards);
GURU_BIN_ATTR_RO(manifest);

static struct bin_attribute *ctl_bin_attrs[] = { &stats_attr, &wildcards_attr, &manifest_attr, NULL };
static struct attribute *ctl_attrs[] = { &params_attr.attr, NULL };
static const struct attribute_group ctl_group = {
	.attrs = ctl_attrs,
	.bin_attrs = (typeof(((struct attribute_group *)0)->bin_attrs))ctl_bin_attrs,
};
static const struct attribute_group *ctl_groups[] = { &ctl_group, NULL };

static struct miscdevice ctl_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.fops = &ctl_fops,
	.groups = ctl_groups,
	.mode = 0600,		/* root only */
};

/* ---- handler entry and exit --------------------------------------------- */

/* The CPU's ctx for P's handler, or NULL if another handler owns it. */
static struct guru_ctx *enter_cpu(struct guru_probe *p, struct pt_regs *regs)
{
	struct guru_cpu *c;
	struct guru_ctx *ctx;

	c = this_cpu_ptr(cpus);
	ctx = &c->ctx;
	/*
	 * One handler owns the CPU's ctx at a time. Kprobes do not nest on a
	 * CPU (the kprobe core counts a nested hit in its nmissed), but other
	 * handlers can arrive while one runs: a probe in an interrupt taken
	 * during begin/end (process context) or a tracepoint handler (which
	 * may run with interrupts on), a tracepoint fired inside a handler (a
	 * fault-tolerant read that faults fires exceptions:page_fault_kernel),
	 * a kprobe on a function a tracepoint handler calls. Such a hit is
	 * skipped and counted against P like the kprobe core's nmissed, so the
	 * summary says which probe lost it; nested keeps the module's total.
	 * The barriers keep the compiler from moving ctx accesses across the
	 * busy flag, which an interrupt on this CPU reads.
	 */
	if (READ_ONCE(ctx->busy)) {
		this_cpu_inc(cpus->nested);
		guru_probe_skipped(p);
		return NULL;
	}
	WRITE_ONCE(ctx->busy, true);
	barrier();
	ctx->regs = regs;
	ctx->sys_regs = NULL;
	ctx->sys_call = NULL;
	ctx->entry_args = NULL;
	ctx->probe = p;
	ctx->counts = this_cpu_ptr(guru_counts) + (p - gm->probes);
	ctx->func_addr = 0;
	ctx->func_name = NULL;
	ctx->site = 0;
	ctx->slide = 0;
	ctx->record = NULL;
	ctx->record_size = 0;
	ctx->user_faults = false;
	memset(&ctx->fault, 0, sizeof(ctx->fault));
	ctx->counts->hits++;
	return ctx;
}

struct guru_ctx *guru_enter(struct guru_probe *p, struct pt_regs *regs)
{
	if (unlikely(!(regs ? guru_is_armed() : READ_ONCE(lifecycle))))
		return NULL;
	return enter_cpu(p, regs);
}

/* Timers are started after the gate opens and stopped before it closes; the check is for a run racing a stop. */
struct guru_ctx *guru_enter_timer(struct guru_probe *p)
{
	if (unlikely(!guru_is_armed()))
		return NULL;
	return enter_cpu(p, NULL);
}

struct guru_ctx *guru_claim_cpu(void)
{
	struct guru_ctx *ctx = &this_cpu_ptr(cpus)->ctx;

	/* As enter_cpu: whatever interrupts between the test and the set has left again before we go on. */
	if (READ_ONCE(ctx->busy))
		return NULL;
	WRITE_ONCE(ctx->busy, true);
	barrier();
	return ctx;
}

void guru_leave(struct guru_ctx *ctx)
{
	barrier();
	WRITE_ONCE(ctx->busy, false);
}

void guru_probe_skipped(struct guru_probe *p)
{
	this_cpu_inc(guru_counts[p - gm->probes].skipped);	/* one instruction: NMI-safe */
}

/* ---- guards and task builtins ------------------------------------------- */

/* What the inline guards in guru_runtime.h read (guru_layout). */
static void layout_init(void)
{
	/* guru_comm_eq16 compares 16 bytes: the kernel's comm must be those. */
	BUILD_BUG_ON(sizeof(current->comm) != 16);
	guru_layout = (struct guru_layout){
		.task_comm = offsetof(struct task_struct, comm),
		.task_tgid = offsetof(struct task_struct, tgid),
		.task_pid = offsetof(struct task_struct, pid),
		.task_cred = offsetof(struct task_struct, cred),
		.cred_uid = offsetof(struct cred, uid),
		.cred_gid = offsetof(struct cred, gid),
		.cred_euid = offsetof(struct cred, euid),
		.ri_data = offsetof(struct kretprobe_instance, data),
	};
}

s32 guru_ppid(void)
{
	s32 ppid;

	/* real_parent changes when the parent exits; the task is freed after RCU. */
	rcu_read_lock();
	ppid = task_tgid_nr(rcu_dereference(current->real_parent));
	rcu_read_unlock();
	return ppid;
}

u32 guru_cpu(void)
{
	return smp_processor_id();	/* handlers run with preemption off */
}

u64 guru_nsecs(void)
{
	return ktime_get_mono_fast_ns();	/* NMI-safe */
}

bool guru_comm_glob(const char *pattern)
{
	char comm[TASK_COMM_LEN];

	/* comm can change under us (prctl); work on a terminated copy. */
	memcpy(comm, current->comm, TASK_COMM_LEN);
	comm[TASK_COMM_LEN - 1] = '\0';
	return glob_match(pattern, comm);
}

/* ---- statement probes: memory and entry values --------------------------- */

/*
 * Copy N bytes of user memory at ADDR to DST: 0, or -EFAULT if any of them
 * could not be read. Kprobe, kretprobe and tracepoint handlers may run in
 * NMI or interrupt context or under the kernel's locks, where no page may
 * be faulted in: for them a page that is not present (never touched, or
 * swapped out) is unreadable. A uprobe handler runs in the probed task
 * itself, in process context, with no lock of its mm held (the kernel's
 * handle_swbp() and uretprobe trampoline call it on the way back to user
 * space, where the kernel's own uprobe_events fetch arguments with
 * faulting copies): there (ctx->user_faults) a page not present is paged
 * in as the task's own access would. Only preemption, which guru's
 * handlers run with disabled, is turned on for that copy; guru_uprobe.c's
 * run() has pinned the task to this CPU, so CTX stays this CPU's and
 * busy, and a handler of this module another task runs on this CPU
 * meanwhile is skipped and counted (guru_enter). Disarm waits for the
 * copy: unregistering a uprobe waits for its running handlers.
 */
static bool user_may_fault(struct guru_ctx *ctx)
{
	/*
	 * Only with preemption disabled once, by run(), and interrupts on:
	 * should a kernel ever call a uprobe handler in atomic context, its
	 * user copies stay the ones that never fault.
	 */
	return ctx->user_faults && !irqs_disabled() &&
	       !(IS_ENABLED(CONFIG_PREEMPT_COUNT) && preempt_count() != 1);
}

static long guru_copy_user(struct guru_ctx *ctx, void *dst, unsigned long addr, size_t n)
{
	unsigned long left;

	if (!copy_from_user_nofault(dst, (const void __user *)addr, n))
		return 0;
	if (!user_may_fault(ctx))
		return -EFAULT;
	preempt_enable();
	left = copy_from_user(dst, (const void __user *)addr, n);
	preempt_disable();
	return left ? -EFAULT : 0;
}

/* Read SIZE (at most 8) bytes at ADDR (see guru_copy_user); a bad address fills ctx->fault. */
static bool read_nofault(struct guru_ctx *ctx, unsigned long addr, unsigned int size, u64 *value, bool user)
{
	u64 v = 0;	/* x86 is little endian: the low SIZE bytes are the variable */
	unsigned int n = min_t(unsigned int, size, sizeof(v));
	long err = user ? guru_copy_user(ctx, &v, addr, n)
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

/*
 * A user statement's write of a local in the probed task's memory (its
 * stack, its data), from a uprobe handler: the task's own store, as
 * guru_copy_user is its own load. First without faulting; a page not
 * present, or still shared copy-on-write after a fork, is then faulted in
 * writable with preemption on for the copy alone, on this CPU (run() in
 * guru_uprobe.c). Memory the task cannot write (read-only mappings, a bad
 * address) is a fault event, as a read's is; copy_to_user checks the
 * address is user memory, so a bad location never writes the kernel.
 */
bool guru_write_user(struct guru_ctx *ctx, unsigned long addr, unsigned int size, u64 value)
{
	unsigned int n = min_t(unsigned int, size, sizeof(value));	/* little endian: the low N bytes */
	unsigned long left = 1;

	if (!copy_to_user_nofault((void __user *)addr, &value, n))
		return true;
	if (user_may_fault(ctx)) {
		preempt_enable();
		left = copy_to_user((void __user *)addr, &value, n);
		preempt_disable();
	}
	if (left) {
		ctx->fault.kind = GURU_FAULT_USER_WRITE;
		ctx->fault.addr = addr;
		return false;
	}
	return true;
}

/* ---- strings ------------------------------------------------------------ */

/*
 * Copy a NUL-terminated string without faulting (in uprobes: see
 * guru_copy_user). copy_*_nofault needs
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
		long err = user ? guru_copy_user(ctx, dst + n, a, chunk)
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

const char *guru_try_string(struct guru_ctx *ctx, int slot, unsigned long addr, int max, enum guru_space space)
{
	struct guru_fault_payload kept = ctx->fault;
	bool user = space == GURU_SPACE_USER || (space == GURU_SPACE_ANY && addr < TASK_SIZE_MAX);
	const char *s = read_string(ctx, slot, addr, max, user);

	ctx->fault = kept;	/* an unreadable string is a value here, not a fault */
	return s;
}

const char *guru_record_string(struct guru_ctx *ctx, int slot, u32 start, u32 len, int max)
{
	char *dst = ctx->str[slot];
	u32 n = 0;

	if (start <= ctx->record_size) {
		n = min3(len, ctx->record_size - start, (u32)clamp(max, 1, GURU_STR_MAX) - 1);
		n = strnlen((const char *)ctx->record + start, n);
		memcpy(dst, (const char *)ctx->record + start, n);
	}
	dst[n] = '\0';
	return dst;
}

const char *guru_comm(struct guru_ctx *ctx, int slot)
{
	memcpy(ctx->str[slot], current->comm, TASK_COMM_LEN);
	ctx->str[slot][TASK_COMM_LEN - 1] = '\0';
	return ctx->str[slot];
}

const char *guru_func_name(struct guru_ctx *ctx, int slot)
{
	if (ctx->func_name)
		return ctx->func_name;
	if (!ctx->func_addr)
		return "";
	snprintf(ctx->str[slot], GURU_STR_MAX, "%ps", (void *)ctx->func_addr);
	/* A module's function prints as "NAME [MODULE]": func is the name alone. */
	ctx->str[slot][strcspn(ctx->str[slot], " ")] = '\0';
	return ctx->str[slot];
}

/* ---- records ------------------------------------------------------------ */

static void rec_start(struct guru_ctx *ctx, u16 type, u16 id)
{
	rec_header((struct guru_rec_hdr *)ctx->rec, type, id);
	ctx->rec_len = sizeof(struct guru_rec_hdr);
}

/* Append LEN bytes; a record never grows past GURU_REC_MAX (a log() always fits: see there). */
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
	ring_push(container_of(ctx, struct guru_cpu, ctx), ctx->rec, len);
}

void guru_log_begin(struct guru_ctx *ctx, u16 format)
{
	rec_start(ctx, GURU_REC_LOG, format);
}

void guru_log_int(struct guru_ctx *ctx, s64 value)
{
	rec_put(ctx, &value, sizeof(value));
}

/*
 * A string is its u16 length and at most GURU_STR_MAX - 1 bytes, so the
 * GURU_LOG_MAX_ARGS arguments of a log() always fit in GURU_REC_MAX and
 * each length prefix is the number of bytes that follow it.
 */
void guru_log_str(struct guru_ctx *ctx, const char *s)
{
	u16 len = s ? strnlen(s, GURU_STR_MAX - 1) : GURU_STR_UNREADABLE;

	rec_put(ctx, &len, sizeof(len));
	if (s)
		rec_put(ctx, s, len);
}

/*
 * The kernel stack at the probe, as return addresses into ctx->stack;
 * returns where the probed code's frame starts and sets *n. The trace
 * starts inside guru and the kprobe machinery; users want it to start at
 * the probed instruction, as SystemTap's and bpftrace's do: the frame that
 * is the probe's saved instruction pointer (an int3 kprobe, a kretprobe's
 * return address), or else the first frame inside the probed function (a
 * kprobe run through ftrace; functions are far smaller than 64 KiB), shown
 * as the saved instruction pointer; without one, the first frame outside
 * this module. Only return addresses are recorded: the supervisor names
 * them.
 */
static unsigned long *probe_stack(struct guru_ctx *ctx, unsigned int *n)
{
	unsigned long ip = ctx->regs ? instruction_pointer(ctx->regs) : 0;
	unsigned long f = ctx->func_addr;
	unsigned int len = stack_trace_save(ctx->stack, ARRAY_SIZE(ctx->stack), 0);
	unsigned int i;

	for (i = 0; i < len; i++) {
		unsigned long a = ctx->stack[i];

		if ((ip && a == ip) || (f && a >= f && a - f < 0x10000)) {
			if (ip)
				ctx->stack[i] = ip;
			*n = min_t(unsigned int, len - i, GURU_STACK_MAX);
			return &ctx->stack[i];
		}
	}
	/* No probed frame (tracepoints, begin/end): the stack starts where guru's own code ends. */
	for (i = 0; i < len && within_module(ctx->stack[i], THIS_MODULE); i++)
		;
	*n = min_t(unsigned int, len - i, GURU_STACK_MAX);
	return &ctx->stack[i];
}

/* A stack in a record: u16 count, then the addresses (u64 each); no larger than a string. */
static void rec_put_stack(struct guru_ctx *ctx)
{
	unsigned int n, i;
	unsigned long *frames = probe_stack(ctx, &n);
	u16 count = n;

	BUILD_BUG_ON(sizeof(u16) + GURU_STACK_MAX * sizeof(u64) > sizeof(u16) + GURU_STR_MAX - 1);
	rec_put(ctx, &count, sizeof(count));
	for (i = 0; i < count; i++) {
		u64 a = frames[i];

		rec_put(ctx, &a, sizeof(a));
	}
}

void guru_log_stack(struct guru_ctx *ctx)
{
	rec_put_stack(ctx);
}

void guru_log_end(struct guru_ctx *ctx)
{
	rec_finish(ctx);
}

/*
 * A handler may run in NMI context (int3) deep in the kernel's stack: the
 * trace goes into the CPU's scratch (ctx->stack) and the record as return
 * addresses only; user space names them (no %pS, no text in the kernel).
 */
void guru_emit_backtrace(struct guru_ctx *ctx)
{
	rec_start(ctx, GURU_REC_BACKTRACE, ctx->probe - gm->probes);
	rec_put_stack(ctx);
	rec_finish(ctx);
}

/* ---- user stacks and the command line ----------------------------------- */

/*
 * The user registers of the task a probe runs for: the probe's own at a
 * uprobe (they are user mode), else the ones the task entered the kernel
 * with (task_pt_regs: a syscall's, an interrupt's from user mode). None for
 * kernel threads, which have no user side.
 */
static struct pt_regs *user_regs(struct guru_ctx *ctx)
{
	struct pt_regs *regs;

	if (ctx->regs && user_mode(ctx->regs))
		return ctx->regs;
	if (!current->mm || (current->flags & PF_KTHREAD))
		return NULL;
	regs = task_pt_regs(current);
	return user_mode(regs) ? regs : NULL;
}

/*
 * The user stack into OUT (at most MAX words), as return addresses only:
 * OUT[0] is the user instruction pointer, OUT[1] and OUT[2] the two words
 * at the user stack pointer (0 if unreadable: at a function's first
 * instructions, before it pushed %rbp, the return address is there, which
 * a frame-pointer walk misses; the supervisor decides from the function's
 * code whether one of them is a frame, src/apply/userStacks.ts), then the
 * return addresses of a frame-pointer walk from %rbp: each frame holds the
 * caller's %rbp and the return address above it. The walk stops at a zero,
 * unaligned or non-increasing frame pointer, at an unreadable frame or a
 * zero return address, so code built without frame pointers gives a short
 * stack, never a wrong one past the first bad link. Reads are the runtime's
 * user copies (guru_copy_user: never faulting in kprobes, NMI context
 * included; paging in at uprobes); nothing is symbolised here.
 */
static unsigned int user_stack(struct guru_ctx *ctx, unsigned long *out, unsigned int max)
{
	struct pt_regs *regs = user_regs(ctx);
	unsigned long words[2], frame[2], fp, last;
	unsigned int n = 0;

	if (!regs || max < 3)
		return 0;
	out[n++] = regs->ip;
	if (!user_64bit_mode(regs))
		return n;
	if (guru_copy_user(ctx, words, regs->sp, sizeof(words)))
		words[0] = words[1] = 0;
	out[n++] = words[0];
	out[n++] = words[1];
	last = regs->sp - 1;
	for (fp = regs->bp; n < max; fp = frame[0]) {
		if (!fp || (fp & 7) || fp <= last || fp > TASK_SIZE_MAX - sizeof(frame))
			break;
		if (guru_copy_user(ctx, frame, fp, sizeof(frame)) || !frame[1] || frame[1] >= TASK_SIZE_MAX)
			break;
		out[n++] = frame[1];
		last = fp;
	}
	return n;
}

/* A user stack in a record: the same layout as a kernel stack (u16 count, u64 words). */
void guru_log_ustack(struct guru_ctx *ctx)
{
	unsigned int i;
	u16 count;

	BUILD_BUG_ON(ARRAY_SIZE(ctx->stack) < GURU_STACK_MAX);
	count = user_stack(ctx, ctx->stack, GURU_STACK_MAX);
	rec_put(ctx, &count, sizeof(count));
	for (i = 0; i < count; i++) {
		u64 a = ctx->stack[i];

		rec_put(ctx, &a, sizeof(a));
	}
}

/* Up to N bytes of user memory at ADDR, a page at a time; returns how many were read before the first unreadable page. */
static size_t copy_user_prefix(struct guru_ctx *ctx, char *dst, unsigned long addr, size_t n)
{
	size_t done = 0;

	while (done < n) {
		size_t chunk = min_t(size_t, n - done, PAGE_SIZE - offset_in_page(addr + done));

		if (guru_copy_user(ctx, dst + done, addr + done, chunk))
			break;
		done += chunk;
	}
	return done;
}

/*
 * The current process's argument area (mm->arg_start .. arg_end: argv's
 * strings, each with its NUL) into SLOT, at most GURU_STR_MAX - 1 bytes;
 * returns how many bytes were read (0: none, a kernel thread, or unreadable).
 * arg_start/arg_end are read without mm->arg_lock (a spinlock, not for NMI
 * context): a racing prctl(PR_SET_MM) can only make the copy read other
 * user memory, which the nofault copy handles.
 */
static size_t read_args(struct guru_ctx *ctx, char *dst)
{
	struct mm_struct *mm = current->mm;
	unsigned long start, end;
	size_t n;

	dst[0] = '\0';
	if (!mm || (current->flags & PF_KTHREAD))
		return 0;
	start = READ_ONCE(mm->arg_start);
	end = READ_ONCE(mm->arg_end);
	if (end <= start)
		return 0;
	n = copy_user_prefix(ctx, dst, start, min_t(unsigned long, end - start, GURU_STR_MAX - 1));
	dst[n] = '\0';
	return n;
}

/* SystemTap's cmdline_str(): argv joined by spaces; "" where there is none. */
const char *guru_cmdline_str(struct guru_ctx *ctx, int slot)
{
	char *dst = ctx->str[slot];
	size_t n = read_args(ctx, dst), i;

	while (n && dst[n - 1] == '\0')
		n--;
	for (i = 0; i < n; i++)
		if (dst[i] == '\0')
			dst[i] = ' ';
	dst[n] = '\0';
	return dst;
}

/*
 * SystemTap's cmdline_arg(N): argv[N], "" past the end (or for N < 0). The
 * scan moves one byte per step whatever it finds, so it always ends.
 */
const char *guru_cmdline_arg(struct guru_ctx *ctx, int slot, s64 arg)
{
	char *dst = ctx->str[slot];
	size_t n = read_args(ctx, dst), i;

	if (arg < 0)
		return "";
	for (i = 0; i < n && arg > 0; i++)
		if (dst[i] == '\0')
			arg--;
	return arg > 0 ? "" : dst + i;
}

void guru_emit_stop(struct guru_ctx *ctx)
{
	rec_start(ctx, GURU_REC_STOP, ctx->probe - gm->probes);
	rec_finish(ctx);
}

void guru_emit_map_op(struct guru_ctx *ctx, unsigned int map, unsigned int op, unsigned int top)
{
	struct guru_map_payload p = { .map = map, .op = op, .top = top };

	rec_start(ctx, GURU_REC_MAP, ctx->probe - gm->probes);
	rec_put(ctx, &p, sizeof(p));
	rec_finish(ctx);
}

void guru_emit_signal(struct guru_ctx *ctx, int sig, int result)
{
	struct guru_signal_payload p = { .sig = sig, .result = result };

	rec_start(ctx, GURU_REC_SIGNAL, ctx->probe - gm->probes);
	rec_put(ctx, &p, sizeof(p));
	rec_finish(ctx);
}

void guru_emit_fault(struct guru_ctx *ctx)
{
	ctx->counts->faults++;
	rec_start(ctx, GURU_REC_FAULT, ctx->probe - gm->probes);
	rec_put(ctx, &ctx->fault, sizeof(ctx->fault));
	rec_finish(ctx);
}

/* ---- syscall arguments (see struct guru_sys_saved) --------------------- */

bool guru_sys_copy(struct guru_ctx *ctx)
{
	struct guru_sys_call *call = ctx->sys_call;

	if (!call->copy) {
		call->copy = tvar_task_regs();
		if (!call->copy) {
			ctx->fault.kind = GURU_FAULT_TVAR_FULL;
			ctx->fault.addr = 0;
			return false;
		}
	}
	*call->copy = *call->sys_regs;
	call->sys_regs = call->copy;
	/* A kprobe handler may change the registers the probed code resumes with. */
	call->entry_regs->di = (unsigned long)call->copy;
	ctx->sys_regs = call->copy;
	return true;
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
		struct guru_kprobe *def = m->wild_kprobes[i];
		struct kprobe *kp = kprobe_new(def);

		/* Why the kernel refused it goes to the wildcards file (the summary), not only dmesg. */
		def->error = kp ? register_kprobe(kp) : -ENOMEM;
		if (def->error) {
			kprobe_free(def);
			wild_skipped++;
		}
	}
	for (i = 0; i < m->nwild_kretprobes; i++) {
		struct guru_kretprobe *def = m->wild_kretprobes[i];
		struct kretprobe *krp = kretprobe_new(def);

		def->error = krp ? register_kretprobe(krp) : -ENOMEM;
		if (def->error) {
			kretprobe_free(def);
			wild_skipped++;
		}
	}
	if (wild_skipped)
		pr_info("%s: %u wildcard matches cannot be probed, skipped\n", m->name, wild_skipped);
}

/*
 * All at once: unregister_kprobes() waits for one RCU grace period for the
 * whole batch, where one unregister_kprobe() per match would wait for one
 * each (seconds for a wildcard of a few hundred functions).
 */
static void unregister_wildcards(struct guru_module *m)
{
	unsigned int i, n = 0;
	void **batch = kcalloc(max(m->nwild_kprobes, m->nwild_kretprobes) + 1, sizeof(*batch), GFP_KERNEL);

	for (i = 0; i < m->nwild_kprobes; i++) {
		struct kprobe *kp = kprobe_of(m->wild_kprobes[i]);

		if (!kp)
			continue;
		if (batch)
			batch[n++] = kp;
		else
			unregister_kprobe(kp);	/* no memory for the batch: slowly, still right */
	}
	if (n)
		unregister_kprobes((struct kprobe **)batch, n);
	for (i = n = 0; i < m->nwild_kretprobes; i++) {
		struct kretprobe *krp = kretprobe_of(m->wild_kretprobes[i]);

		if (!krp)
			continue;
		if (batch)
			batch[n++] = krp;
		else
			unregister_kretprobe(krp);
	}
	if (n)
		unregister_kretprobes((struct kretprobe **)batch, n);
	kfree(batch);
	for (i = 0; i < m->nwild_kprobes; i++)
		kprobe_free(m->wild_kprobes[i]);
	for (i = 0; i < m->nwild_kretprobes; i++)
		kretprobe_free(m->wild_kretprobes[i]);
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

/* Each registered probe's address, which its handler reads (func, statement slides). */
static void note_addresses(struct guru_module *m)
{
	unsigned int i;

	for (i = 0; i < m->nkprobes; i++)
		m->kprobes[i]->addr = (unsigned long)kprobe_of(m->kprobes[i])->addr;
	for (i = 0; i < m->nkretprobes; i++)
		m->kretprobes[i]->addr = (unsigned long)kretprobe_of(m->kretprobes[i])->kp.addr;
	for (i = 0; i < m->nwild_kprobes; i++)
		if (m->wild_kprobes[i]->impl)
			m->wild_kprobes[i]->addr = (unsigned long)kprobe_of(m->wild_kprobes[i])->addr;
	for (i = 0; i < m->nwild_kretprobes; i++)
		if (m->wild_kretprobes[i]->impl)
			m->wild_kretprobes[i]->addr = (unsigned long)kretprobe_of(m->wild_kretprobes[i])->kp.addr;
}

static void free_cpus(void)
{
	int cpu;

	if (cpus)
		for_each_possible_cpu(cpu)
			vfree(per_cpu_ptr(cpus, cpu)->ring);
	free_percpu(cpus);
	free_percpu(guru_counts);
}

/*
 * Per-CPU state from the dynamic per-CPU allocator (the static
 * DEFINE_PER_CPU of a module comes out of the kernel's small module
 * reserve, 8 KiB on Debian, which one guru module would exhaust). Rings
 * share a budget of 4 MiB, 64 KiB to 1 MiB per CPU.
 */
static int alloc_cpus(struct guru_module *m)
{
	int cpu;

	ring_size = rounddown_pow_of_two(clamp_t(unsigned long, (4ul << 20) / num_possible_cpus(), 64ul << 10, 1ul << 20));
	cpus = alloc_percpu(struct guru_cpu);
	guru_counts = __alloc_percpu(max(m->nprobes, 1u) * sizeof(struct guru_probe_counts), __alignof__(struct guru_probe_counts));
	if (!cpus || !guru_counts)
		goto fail;
	for_each_possible_cpu(cpu) {
		struct guru_cpu *c = per_cpu_ptr(cpus, cpu);

		c->ring = vmalloc_node(ring_size, cpu_to_node(cpu));
		if (!c->ring)
			goto fail;
		init_irq_work(&c->wake, wake_readers);
	}
	return 0;
fail:
	free_cpus();
	return -ENOMEM;
}

static void sync_wakes(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		irq_work_sync(&per_cpu_ptr(cpus, cpu)->wake);
}

/* Attach the families' own probes (inert until armed); all or nothing. */
static int load_attach_sets(struct guru_module *m)
{
	unsigned int i;
	int err;

	for (i = 0; i < m->nattach_sets; i++) {
		err = m->attach_sets[i].ops->load(&m->attach_sets[i]);
		if (err) {
			pr_err("%s: attaching %s probes failed: %d\n", m->name, m->attach_sets[i].ops->name, err);
			while (i--)
				m->attach_sets[i].ops->unload(&m->attach_sets[i]);
			return err;
		}
	}
	return 0;
}

static void unload_attach_sets(struct guru_module *m)
{
	unsigned int i;

	for (i = 0; i < m->nattach_sets; i++)
		m->attach_sets[i].ops->unload(&m->attach_sets[i]);
}

static int guru_module_init(struct guru_module *m)
{
	int err;

	BUILD_BUG_ON(GURU_REC_MAX > U16_MAX);
	gm = m;
	layout_init();
	err = alloc_cpus(m);
	if (err)
		return err;
	err = tvar_init();
	if (err)
		goto out_cpus;
	err = alloc_required(m);
	if (err)
		goto out_tvar;
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
	note_addresses(m);
	err = load_attach_sets(m);
	if (err)
		goto out_wildcards;
	ctl_dev.name = m->name;
	err = misc_register(&ctl_dev);
	if (err)
		goto out_attach_sets;
	pr_info("%s: loaded, %u probes, inert until armed via /dev/%s\n", m->name, m->nprobes, m->name);
	return 0;

out_attach_sets:
	unload_attach_sets(m);
out_wildcards:
	unregister_wildcards(m);
	if (m->nkretprobes)
		unregister_kretprobes(krps, m->nkretprobes);
out_kprobes:
	if (m->nkprobes)
		unregister_kprobes(kps, m->nkprobes);
out_free:
	free_required(m);
out_tvar:
	tvar_exit();
out_cpus:
	free_cpus();
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
	/*
	 * After the params file is gone (misc_deregister drains its writers),
	 * nothing queues reenable_work again; one that is running finds
	 * reenable_pending clear (disarm) and returns.
	 */
	cancel_delayed_work_sync(&reenable_work);
	unload_attach_sets(m);
	unregister_wildcards(m);
	if (m->nkretprobes)
		unregister_kretprobes(krps, m->nkretprobes);
	if (m->nkprobes)
		unregister_kprobes(kps, m->nkprobes);
	free_required(m);
	tvar_exit();
	sync_wakes();
	free_cpus();
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
