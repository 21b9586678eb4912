/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guru runtime: the small, fixed part compiled into every guru module.
 *
 * A generated module (templates/module.c.hbs) declares its probes, variables
 * and handlers and fills in `struct guru_module guru_this`; the runtime's
 * module_init registers the probes it lists. The runtime provides:
 *
 *   - module init/exit: kprobes registered disabled, so a bad probe point
 *     fails the load and nothing fires until the probes are armed.
 *   - the control file and event channel, one misc device /dev/guru_<name>:
 *     opening it and writing "arm" enables the probes; closing it (also when
 *     the supervisor is SIGKILLed) disables them again unless "detach" was
 *     written first. read() returns binary event records (struct
 *     guru_rec_hdr + payload); poll() works; the node is root-only (0600).
 *   - /sys/class/misc/guru_<name>/stats: per-probe counters, text.
 *   - per-thread and global variables, guards, fault-tolerant reads.
 *
 * Contexts: probe handlers run with preemption disabled, possibly with
 * interrupts disabled, and kprobes that hit through int3 run in NMI context
 * on x86 (exc_int3 calls irqentry_nmi_enter()). Kprobes never nest on one
 * CPU (a nested hit is counted in nmissed instead), so each CPU owns one
 * struct guru_ctx, allocated per CPU (alloc_percpu, not the small module
 * per-CPU reserve, so any number of guru modules can be loaded), used as
 * scratch space for strings and the record being built. Nothing in a
 * handler sleeps, allocates, or takes a lock: events go into a per-CPU
 * ring with a single producer (this CPU's handler) and a single consumer
 * (the reader), counters are per CPU, and thread variables live in a
 * table whose slots are claimed with cmpxchg. One exception: a uprobe
 * handler, which runs in the probed task with its CPU pinned, may sleep
 * while it pages user memory in (guru_copy_user in guru_runtime.c).
 *
 * Headers: this file is all that the generated probes.c includes, and it is
 * kept lean on purpose. <linux/kprobes.h>, <linux/module.h> and
 * <linux/syscalls.h> each pull in most of the kernel's headers and would
 * make gcc spend about five times as long on probes.c; the runtime, compiled once
 * per kernel, includes them instead. So a generated module declares its
 * probes as struct guru_kprobe / struct guru_kretprobe (the fields of the
 * kernel's struct kprobe / kretprobe it needs) and the runtime registers the
 * real ones; module_init and MODULE_LICENSE live in guru_runtime.c; kernel
 * typedefs never appear in probes.c (values go through fixed-width types).
 */
#ifndef GURU_RUNTIME_H
#define GURU_RUNTIME_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/percpu-defs.h>
#include <asm/current.h>
#include <asm/ptrace.h>

struct kprobe;
struct kretprobe_instance;
struct inode;
struct file;

#define GURU_STR_MAX	256	/* longest string value, NUL included */
#define GURU_STR_SLOTS	16	/* string temporaries per probe handler */
#define GURU_LOG_MAX_ARGS 16	/* log() arguments (LOG_MAX_ARGS in src/expr) */
#define GURU_MAX_TVARS	32	/* per-thread variables per module */
#define GURU_STACK_MAX	31	/* kernel stack frames in a log() argument: 2 + 8 * 31 bytes, no more than a string */
#define GURU_STR_UNREADABLE	0xffff	/* string length that marks an unreadable address */
#define GURU_AGG_KEY_MAX	256	/* bytes of one aggregate key (AGG_KEY_MAX in src/expr/aggregates.ts) */

/* Event record types; the user-space decoder lives in src/apply/decodeRecords.ts. */
enum guru_rec_type {
	GURU_REC_LOG = 1,	/* id = log format; payload: the arguments */
	GURU_REC_FAULT = 2,	/* id = probe; payload: struct guru_fault_payload */
	GURU_REC_STOP = 3,	/* id = probe that called stop() */
	GURU_REC_BACKTRACE = 4,	/* id = probe; payload: a stack (see below) */
	GURU_REC_SIGNAL = 5,	/* id = probe that called raise(); payload: struct guru_signal_payload */
	GURU_REC_KNOB = 6,	/* id = knob (0: enabled, 1 + i: param i); payload: struct guru_knob_payload */
	GURU_REC_MAP = 7,	/* id = probe that called print(@x) or clear(@x); payload: struct guru_map_payload */
};

/* Every record starts with this header; size is a multiple of 8. */
struct guru_rec_hdr {
	u16 size;	/* whole record in bytes, header included */
	u16 type;	/* enum guru_rec_type */
	u16 id;
	u16 cpu;
	u32 pid;	/* thread group id */
	u32 tid;
	u64 nsecs;	/* ktime_get_mono_fast_ns() */
};

/*
 * print(@x) and clear(@x): the supervisor does them, in the order their
 * records come (a snapshot formatted into the events, a "clear N" command
 * back to the module), so a timer's print-then-clear prints a period whole.
 */
enum guru_map_op {
	GURU_MAP_PRINT = 1,
	GURU_MAP_CLEAR = 2,
};

struct guru_map_payload {
	u16 map;	/* the plan's map id */
	u16 op;		/* enum guru_map_op */
	u32 top;	/* print(@x, N): the N largest keys; 0: all */
};

/*
 * The largest record: a log() of GURU_LOG_MAX_ARGS strings, each at most
 * GURU_STR_MAX - 1 bytes after its u16 length (a stack of GURU_STACK_MAX
 * frames is no larger). Every log() fits whole, so no argument is ever cut
 * off or its length prefix made to lie.
 */
#define GURU_REC_MAX	ALIGN(sizeof(struct guru_rec_hdr) + GURU_LOG_MAX_ARGS * (2 + GURU_STR_MAX - 1), 8)

enum guru_fault_kind {
	GURU_FAULT_USER_READ = 1,	/* user memory not readable */
	GURU_FAULT_KERNEL_READ = 2,	/* kernel address not readable */
	GURU_FAULT_DIV_ZERO = 3,	/* division or modulo by zero */
	GURU_FAULT_TVAR_FULL = 4,	/* thread variable table full */
	GURU_FAULT_KERNEL_WRITE = 5,	/* kernel address not writable */
	GURU_FAULT_NO_ENTRY_VALUE = 6,	/* entry value not captured for this call */
	GURU_FAULT_USER_WRITE = 7,	/* user memory not writable */
	GURU_FAULT_CALL_BUSY = 8,	/* kernel call not made: every deferred-call slot in use */
};

struct guru_fault_payload {
	u32 kind;	/* enum guru_fault_kind */
	u32 line;	/* spec line of the expression */
	u64 addr;	/* address that failed, if any */
};

/* raise(SIG): what happened to the signal (kmod/guru_signal.c). */
struct guru_signal_payload {
	s32 sig;
	s32 result;	/* 0 sent, 1 sent from an irq_work (the probe ran in NMI context), or -errno */
};

/* A knob changed while armed (guru set, --disable-for, its re-enable). */
enum guru_knob_cause {
	GURU_KNOB_SET = 1,		/* written: "set NAME VALUE" */
	GURU_KNOB_DISABLE_FOR = 2,	/* enabled set to 0 for ms milliseconds */
	GURU_KNOB_REENABLED = 3,	/* the disable-for time ran out: enabled is 1 again */
};

struct guru_knob_payload {
	s64 old;
	s64 value;
	u32 cause;	/* enum guru_knob_cause */
	u32 pad;
	u64 ms;		/* GURU_KNOB_DISABLE_FOR: for how long */
};

/*
 * Log arguments in a GURU_REC_LOG payload, in format order: an integer is
 * 8 bytes (s64, little endian); a string is a u16 length then its bytes (no
 * NUL; at most GURU_STR_MAX - 1), or the length GURU_STR_UNREADABLE alone
 * for a string that could not be read (user_string_quoted() prints the
 * address instead); a kernel stack is a u16 frame count then that many u64
 * return addresses, innermost first; a user stack has the same layout
 * (guru_log_ustack: the user instruction pointer, the two words at the
 * user stack pointer, then the frame-pointer walk's return addresses). The
 * payload is padded to 8 bytes.
 * Stacks are symbolised by the supervisor from /proc/kallsyms, so a probe
 * never formats symbols (%pS needs about 1 KiB of stack, too much for a
 * handler that may run in NMI context).
 */

/*
 * Per-probe counters, one set per CPU: only the CPU's own handler (which
 * owns its struct guru_ctx) increments them, so a plain increment does, with
 * no lock prefix and no cache line shared between CPUs. stats sums them.
 */
struct guru_probe_counts {
	u64 hits;	/* handler entered past the where: guard */
	u64 where_misses;	/* where: false (counted as hits and misses in stats) */
	u64 misses;	/* if: false */
	u64 writes;	/* target writes done */
	u64 faults;	/* expressions abandoned on a fault */
	u64 skipped;	/* not run: found the CPU busy (guru_enter), or said by a family's runtime part (guru_probe_skipped); in nmissed */
};

/*
 * A kprobe as the generated module declares it: what samples/kprobes puts in
 * a struct kprobe. The runtime registers a struct kprobe for it (disabled
 * until armed) with pre_handler as the kernel's own pre_handler, so a hit
 * goes straight from the kprobe core into the generated handler; addr is
 * the probed address once registered.
 */
struct guru_kprobe {
	const char *symbol_name;
	unsigned int offset;
	int (*pre_handler)(struct kprobe *p, struct pt_regs *regs);
	unsigned long addr;
	/* Wildcard matches: which spec probe and which of its matches (the wildcards file). */
	unsigned int probe, match;
	int error;			/* the runtime's: what registering it returned */
	struct guru_kprobe_impl *impl;	/* the runtime's; NULL if not registered */
};

/*
 * A kretprobe likewise, its handlers the kernel's own: entry_handler
 * (optional) runs at function entry with data_size bytes of per-call
 * storage (guru_ri_data), which handler gets back at return; a non-zero
 * return from entry_handler skips the return for that call. handler may be
 * NULL (an entry handler that only needs per-call data). maxactive 0: the
 * runtime sizes it (see kretprobe_new).
 */
struct guru_kretprobe {
	const char *symbol_name;
	int (*entry_handler)(struct kretprobe_instance *ri, struct pt_regs *regs);
	int (*handler)(struct kretprobe_instance *ri, struct pt_regs *regs);
	unsigned int data_size;
	int maxactive;			/* calls in flight at once; more count as nmissed */
	unsigned long addr;
	unsigned int probe, match;	/* wildcard matches, as for struct guru_kprobe */
	int error;
	struct guru_kretprobe_impl *impl;
};

/*
 * Offsets into kernel structures that probes.c cannot include the headers
 * of, filled in by the runtime at load: enough for the where: guards to be
 * inline loads and compares on the current task.
 */
struct guru_layout {
	unsigned int task_comm, task_tgid, task_pid, task_cred;
	unsigned int cred_uid, cred_gid, cred_euid;
	unsigned int ri_data;		/* struct kretprobe_instance's data[] */
};
extern struct guru_layout guru_layout;

/*
 * The gate every hit reads first: GURU_GATE_ARMED while the module is
 * armed, GURU_GATE_DISABLED while the built-in knob `enabled` is 0. One
 * word, written only by the runtime's control paths under its control
 * lock (arm, disarm, guru set), never by a handler: the line it sits on
 * stays shared and clean in every CPU's cache while probes fire, and a
 * disabled module costs a hit the same loads as a where: miss.
 */
#define GURU_GATE_ARMED		1u
#define GURU_GATE_DISABLED	2u
extern unsigned int guru_gate;
extern struct guru_probe_counts __percpu *guru_counts;	/* [nprobes] */

static __always_inline void *guru_ri_data(struct kretprobe_instance *ri)
{
	return (char *)ri + guru_layout.ri_data;
}

/* One probe of the spec. Several may share one kprobe/kretprobe. */
struct guru_probe {
	const char *label;		/* the spec's on: text */
	struct guru_kprobe *kp;		/* for nmissed; NULL for begin/end */
	struct guru_kretprobe *krp;
	struct guru_kprobe *const *sites;	/* statement probes: a kprobe per address */
	unsigned int nsites;
};

/*
 * Probe families with a runtime part of their own (kmod/guru_<family>.c,
 * e.g. tracepoints) hand the runtime one struct guru_attach_set each: their
 * definitions in probes.c and the operations that attach them. The runtime
 * calls load at module init (attach, inert), arm and disarm under its
 * control lock, unload at module exit after disarm; all in process context,
 * where they may sleep. Arm may fail (a uprobe the kernel will not
 * register): it then leaves its set disarmed, and the runtime disarms the
 * sets it had armed before and refuses the arm command with that error.
 * Disarm is called only on an armed set.
 * A handler still in flight after disarm is waited for by the runtime
 * (synchronize_rcu: handlers run with preemption off); a family whose
 * handlers may sleep (uprobes) waits for them in its disarm. Unload must
 * not return while the kernel can still call into the set's code.
 *
 * A set whose handlers run on their own rather than when probed code runs
 * (timers) has start and stop instead of, or besides, arm and disarm:
 * start is called once the gate is open, after the begin probes; stop
 * first thing at disarm, before the gate closes and the end probes run,
 * and must not return while one of its handlers runs. So those handlers
 * run only between begin and end. Both in process context under the
 * control lock; start cannot fail. Each of arm, disarm, start and stop
 * may be NULL.
 */
struct guru_attach_set;

struct guru_family_ops {
	const char *name;
	int (*load)(const struct guru_attach_set *set);
	int (*arm)(const struct guru_attach_set *set);
	void (*disarm)(const struct guru_attach_set *set);
	void (*start)(const struct guru_attach_set *set);
	void (*stop)(const struct guru_attach_set *set);
	void (*unload)(const struct guru_attach_set *set);
};

struct guru_attach_set {
	const struct guru_family_ops *ops;
	void *defs;			/* the family's array in probes.c */
	unsigned int n;
};

/*
 * A knob (params:). Its value is a naturally aligned s64 in the module's
 * guru_params[]: handlers read it with READ_ONCE (GURU_PARAM), the runtime
 * writes it with WRITE_ONCE under its control lock after checking the
 * value against the range here, so a handler sees the old value or the
 * new one, never a mix, and never one outside [min, max].
 */
struct guru_param {
	const char *name;
	const char *type;		/* s64 u64 s32 u32 bool, for the params file */
	bool is_unsigned;		/* u64: value, min and max are u64 bit patterns */
	s64 min, max;
};

#define GURU_PARAM(id)	READ_ONCE(guru_params[id])

/* What a generated module hands to the runtime. */
struct guru_module {
	const char *name;		/* "guru_<name>", also the device name */
	struct guru_probe *probes;
	unsigned int nprobes;
	/* Registered all or nothing: one the kernel refuses fails the load. */
	struct guru_kprobe *const *kprobes;
	unsigned int nkprobes;
	struct guru_kretprobe *const *kretprobes;
	unsigned int nkretprobes;
	/* Wildcard matches: best effort; one the kernel refuses is skipped. */
	struct guru_kprobe *const *wild_kprobes;
	unsigned int nwild_kprobes;
	struct guru_kretprobe *const *wild_kretprobes;
	unsigned int nwild_kretprobes;
	/* Families with a runtime part of their own. */
	const struct guru_attach_set *attach_sets;
	unsigned int nattach_sets;
	unsigned int nthread_vars;
	bool syscall_copies;		/* syscall kprobes rewrite: tasks keep copies (guru_sys_call) */
	atomic64_t *global_vars;
	/* Knobs: values[i] is param i's, defs[i] its name and range. */
	s64 *params;
	const struct guru_param *param_defs;
	unsigned int nparams;
	void (*begin)(void);		/* begin probes, run when armed */
	void (*end)(void);		/* end probes, run when disarmed */
	/* Aggregates (kmod/guru_agg.c): a read-only open of the control device reads them; NULL: none. */
	int (*agg_open)(struct inode *inode, struct file *file);
	/* The control file's "clear N": empty map N on every CPU (kmod/guru_agg.c); NULL: no maps. */
	int (*agg_clear)(unsigned int map);
	/* The manifest embedded in the module (its .guru_manifest section), served as /sys/class/misc/<name>/manifest. */
	const char *manifest;
	unsigned int manifest_len;
};

/* Defined by the generated probes.c; the runtime's module_init loads it. */
extern struct guru_module guru_this;

/*
 * MODULE_DESCRIPTION without <linux/module.h>: the same .modinfo entry.
 * Up to 7.2, moduleparam.h has __MODULE_INFO and module.h builds
 * MODULE_INFO on it; 7.3 dropped __MODULE_INFO and moved MODULE_INFO into
 * moduleparam.h.
 */
#ifdef __MODULE_INFO
#define GURU_MODULE_DESCRIPTION(text)	__MODULE_INFO(description, description, text)
#else
#define GURU_MODULE_DESCRIPTION(text)	MODULE_INFO(description, text)
#endif

/*
 * Syscall arguments. The pt_regs wrapper (__x64_sys_NAME) reads them from
 * the struct pt_regs its argument points at: the caller's saved user
 * registers. A rewrite never touches those. The first write of a call
 * copies them, rewrites the copy and points the wrapper's argument at it.
 * So the kernel sees the rewritten argument and user space keeps its
 * registers on every way back: the syscall's own return, execve (which
 * replaces them), a fork's child (which copies them), a call that is still
 * blocked when the module is removed. Nothing is restored.
 *
 * The copy must stay put until the wrapper has read it. With a return
 * probe on the syscall it is the kretprobe's per-call data (struct
 * guru_sys_saved), which lives until the call returns. Without one the
 * syscall has a plain kprobe (no per-call data, and nothing to pay on a
 * guard miss) and the copy is the task's own, in its thread-table entry:
 * a task is in one syscall at a time, and the entry is kept until the task
 * exits or the module disarms, which first waits for every task to pass a
 * voluntary context switch (synchronize_rcu_tasks), i.e. to be past any
 * wrapper's first instructions.
 */
struct guru_sys_call {
	struct pt_regs *sys_regs;	/* what the wrapper reads: the caller's registers, or the copy */
	struct pt_regs *entry_regs;	/* the wrapper's registers at its entry (its argument is di) */
	struct pt_regs *copy;		/* where the copy goes; NULL: the task's thread-table entry */
	u8 written;			/* bit n: argument n was rewritten */
};

/* A syscall kretprobe's per-call data. */
struct guru_sys_saved {
	struct guru_sys_call call;
	struct pt_regs copy;
};

/* Per-CPU scratch for one handler invocation (see "Contexts" above). */
struct guru_ctx {
	struct pt_regs *regs;		/* registers at the probe; NULL in begin/end */
	struct pt_regs *sys_regs;	/* syscall probes: the caller's saved registers */
	struct guru_sys_call *sys_call;	/* syscall probes: the call's registers (see there) */
	const unsigned long *entry_args;	/* kretprobes: arguments saved at entry */
	struct guru_probe *probe;
	struct guru_probe_counts *counts;	/* this probe's counters on this CPU */
	unsigned long func_addr;	/* probed function, for the func builtin */
	const char *func_name;		/* the func builtin where no kernel symbol names it (uprobes) */
	unsigned int site;		/* statement probes: which address of the line was hit */
	unsigned long slide;		/* statement probes: run-time minus link-time address (KASLR) */
	const void *record;		/* tracepoints: the event record the fields are read from */
	u32 record_size;		/* its bytes, as perf handed it over */
	bool user_faults;		/* uprobes: user reads may page memory in (see guru_copy_user) */
	struct guru_fault_payload fault;
	/* stack_trace_save() writes here; guru's own frames are then skipped. */
	unsigned long stack[GURU_STACK_MAX + 16];
	bool busy;			/* owned by a handler (see guru_enter) */
	u32 key_len;			/* aggregates: the key being built (kmod/guru_agg.h) */
	u8 key[GURU_AGG_KEY_MAX] __aligned(8);
	u32 rec_len;
	u8 rec[GURU_REC_MAX] __aligned(8);
	char str[GURU_STR_SLOTS][GURU_STR_MAX];
};

/*
 * A probe's handler is in two parts (templates/partials/probe-body.hbs):
 * an inline check run on every hit, which returns unless the module is
 * armed and the where: guard holds, counting a miss in this CPU's counters
 * (no lock prefix, no cache line another CPU writes, no call); and the rest
 * out of line, which starts with guru_enter.
 */
static __always_inline bool guru_is_armed(void)
{
	return READ_ONCE(guru_gate) & GURU_GATE_ARMED;
}

/* The built-in knob `enabled`: part of every probe's where: check, so 0 makes each hit a counted miss. */
static __always_inline bool guru_enabled(void)
{
	return !(READ_ONCE(guru_gate) & GURU_GATE_DISABLED);
}

#define GURU_WHERE_MISS(id)	this_cpu_inc(guru_counts[id].where_misses)

/*
 * Enter/leave a handler: NULL from enter means "do not run" (not armed, or
 * nested). REGS is NULL for begin/end probes, which run only while the
 * module arms or disarms. A timer probe has no regs either but runs while
 * armed, with preemption off (kmod/guru_timer.c): guru_enter_timer.
 */
struct guru_ctx *guru_enter(struct guru_probe *p, struct pt_regs *regs);
struct guru_ctx *guru_enter_timer(struct guru_probe *p);
void guru_leave(struct guru_ctx *ctx);
/*
 * This CPU's ctx, owned as a handler owns it (NULL if one does): what runs
 * on a CPU holding it excludes this module's handlers there, which are
 * skipped and counted meanwhile. For work done on each CPU in an IPI
 * (clearing a map, kmod/guru_agg.c); released with guru_leave.
 */
struct guru_ctx *guru_claim_cpu(void);
/* A family's runtime part did not run P's handler (counted in its nmissed); any context. */
void guru_probe_skipped(struct guru_probe *p);

/*
 * Fields of the event record a handler got (ctx->record, ctx->record_size
 * bytes; tracepoints): a value at OFFSET, the address of an array there,
 * or the data a __data_loc / __rel_loc word there describes. The family's
 * runtime part checks that the record holds every fixed field; the
 * dynamic data is checked here, on each use.
 */
#define GURU_RECORD(type, offset)	(*(const type *)((const u8 *)ctx->record + (offset)))
#define GURU_RECORD_ADDR(offset)	((unsigned long)ctx->record + (offset))

/*
 * A __data_loc word: low 16 bits the data's offset from the record's
 * start (a __rel_loc's: from the end of the word), high 16 bits its
 * length. The kernel writes both, but nothing makes the length stop at the
 * record's end, or the data end in a NUL: 7.x's syscall events append up
 * to syscall_user_buf_size bytes of a write()'s buffer as a
 * `__data_loc char[]`, unterminated, and perf's per-CPU buffer past the
 * record holds an older record's bytes. So the span is cut to the record:
 * false (and an empty span) if it starts beyond it.
 */
static inline bool guru_record_loc(const struct guru_ctx *ctx, unsigned int offset, bool rel, u32 *start, u32 *len)
{
	u32 loc = GURU_RECORD(u32, offset);
	u32 at = (rel ? offset + 4 : 0) + (loc & 0xffff);

	if (at > ctx->record_size) {
		*start = *len = 0;
		return false;
	}
	*start = at;
	*len = min_t(u32, loc >> 16, ctx->record_size - at);
	return true;
}

/* The data's address as a value (a non-text dynamic array): 0, so any read through it faults, if outside the record. */
static inline unsigned long guru_record_loc_addr(const struct guru_ctx *ctx, unsigned int offset, bool rel)
{
	u32 start, len;

	return guru_record_loc(ctx, offset, rel, &start, &len) ? GURU_RECORD_ADDR(start) : 0;
}
#define GURU_RECORD_DATA_LOC(offset)	guru_record_loc_addr(ctx, offset, false)
#define GURU_RECORD_REL_LOC(offset)	guru_record_loc_addr(ctx, offset, true)

/*
 * Text fields as strings, copied out of the record into string slot SLOT:
 * at most LEN bytes at START (and MAX - 1), up to a NUL, never past the
 * record. Cannot fail: a span outside the record reads as "".
 */
const char *guru_record_string(struct guru_ctx *ctx, int slot, u32 start, u32 len, int max);
#define GURU_RECORD_ARRAY_STRING(slot, offset, size, max)	guru_record_string(ctx, slot, offset, size, max)
#define GURU_RECORD_LOC_STRING(slot, offset, rel, max) ({			\
	u32 __start, __len;							\
	guru_record_loc(ctx, offset, rel, &__start, &__len);			\
	guru_record_string(ctx, slot, __start, __len, max); })

/*
 * Guards and builtins about the current task, inline through guru_layout.
 * Ids are those of the initial user namespace, where from_kuid() is the
 * identity: kuid.val is the uid.
 */
static __always_inline const void *guru_current_field(unsigned int offset)
{
	return (const char *)get_current() + offset;
}

static __always_inline u32 guru_cred_id(unsigned int offset)
{
	const char *cred = *(const char *const *)guru_current_field(guru_layout.task_cred);

	return *(const u32 *)(cred + offset);
}

static __always_inline u32 guru_uid(void) { return guru_cred_id(guru_layout.cred_uid); }
static __always_inline u32 guru_gid(void) { return guru_cred_id(guru_layout.cred_gid); }
static __always_inline u32 guru_euid(void) { return guru_cred_id(guru_layout.cred_euid); }
/* The thread group id: what user space calls the pid. */
static __always_inline s32 guru_pid(void) { return *(const s32 *)guru_current_field(guru_layout.task_tgid); }
static __always_inline s32 guru_tid(void) { return *(const s32 *)guru_current_field(guru_layout.task_pid); }

/*
 * comm is NAME (at most 15 bytes): the kernel keeps task->comm padded with
 * NULs to its 16 bytes (__set_task_comm uses strscpy_pad; fork copies it),
 * so two 8-byte compares against NAME padded the same way do; gcc folds
 * the padded literal into two constants.
 */
static __always_inline bool guru_comm_eq16(const char name[16])
{
	const char *comm = guru_current_field(guru_layout.task_comm);
	u64 c0, c1, n0, n1;

	__builtin_memcpy(&c0, comm, 8);
	__builtin_memcpy(&c1, comm + 8, 8);
	__builtin_memcpy(&n0, name, 8);
	__builtin_memcpy(&n1, name + 8, 8);
	return c0 == n0 && c1 == n1;
}
#define guru_comm_is(name)	guru_comm_eq16((const char[16]){ name })

bool guru_comm_glob(const char *pattern);
s32 guru_ppid(void);		/* the parent's thread group id */
u32 guru_cpu(void);
u64 guru_nsecs(void);

/* Variables. Thread variables read 0 until written. */
s64 guru_tvar_get(unsigned int id);
bool guru_tvar_set(struct guru_ctx *ctx, unsigned int id, s64 value);

/* Strings: each returns the slot's buffer, or NULL with ctx->fault filled. */
const char *guru_read_user_string(struct guru_ctx *ctx, int slot, unsigned long addr, int max);
const char *guru_read_kernel_string(struct guru_ctx *ctx, int slot, unsigned long addr, int max);
const char *guru_comm(struct guru_ctx *ctx, int slot);
const char *guru_func_name(struct guru_ctx *ctx, int slot);
const char *guru_cmdline_str(struct guru_ctx *ctx, int slot);	/* argv joined by spaces */
const char *guru_cmdline_arg(struct guru_ctx *ctx, int slot, s64 arg);	/* argv[ARG], "" past the end */

/* Where a string is read from: GURU_SPACE_ANY picks user or kernel by the address. */
enum guru_space { GURU_SPACE_KERNEL = 0, GURU_SPACE_USER = 1, GURU_SPACE_ANY = 2 };
/* A string that may be unreadable: NULL then, and no fault is raised (str(), user_string_quoted()). */
const char *guru_try_string(struct guru_ctx *ctx, int slot, unsigned long addr, int max, enum guru_space space);
#define GURU_STR_OR_EMPTY(s) ({ const char *__t = (s); __t ? __t : ""; })

/* Events. */
void guru_log_begin(struct guru_ctx *ctx, u16 format);
void guru_log_int(struct guru_ctx *ctx, s64 value);
void guru_log_str(struct guru_ctx *ctx, const char *s);	/* NULL: unreadable */
void guru_log_stack(struct guru_ctx *ctx);	/* the kernel stack at the probe */
void guru_log_ustack(struct guru_ctx *ctx);	/* the user stack of the task (see there) */
void guru_log_end(struct guru_ctx *ctx);
void guru_emit_backtrace(struct guru_ctx *ctx);
void guru_emit_stop(struct guru_ctx *ctx);
void guru_emit_map_op(struct guru_ctx *ctx, unsigned int map, unsigned int op, unsigned int top);
void guru_emit_signal(struct guru_ctx *ctx, int sig, int result);
void guru_emit_fault(struct guru_ctx *ctx);

/*
 * Expression helpers used by generated code. They jump to the handler's
 * `fault:` label when a read fails, so an expression never yields garbage
 * and a bad pointer never oopses.
 */
#define GURU_USER_STRING(slot, addr, max, spec_line) ({				\
	const char *__s = guru_read_user_string(ctx, slot, (unsigned long)(addr), max); \
	if (!__s) { ctx->fault.line = (spec_line); goto fault; }			\
	__s; })

#define GURU_KERNEL_STRING(slot, addr, max, spec_line) ({				\
	const char *__s = guru_read_kernel_string(ctx, slot, (unsigned long)(addr), max); \
	if (!__s) { ctx->fault.line = (spec_line); goto fault; }			\
	__s; })

/* Division by zero is a fault; INT64_MIN / -1 wraps instead of trapping. */
#define GURU_DIV(a, b, spec_line) ({							\
	s64 __n = (a), __d = (b);						\
	if (!__d) { ctx->fault.kind = GURU_FAULT_DIV_ZERO; ctx->fault.addr = 0;	\
		    ctx->fault.line = (spec_line); goto fault; }			\
	__d == -1 ? (s64)(0 - (u64)__n) : __n / __d; })

#define GURU_MOD(a, b, spec_line) ({							\
	s64 __n = (a), __d = (b);						\
	if (!__d) { ctx->fault.kind = GURU_FAULT_DIV_ZERO; ctx->fault.addr = 0;	\
		    ctx->fault.line = (spec_line); goto fault; }			\
	__d == -1 ? 0 : __n % __d; })

/* The same with an unsigned operand (C's usual arithmetic conversions): u64 division, the result's bits as s64. */
#define GURU_DIVU(a, b, spec_line) ({							\
	u64 __n = (a), __d = (b);						\
	if (!__d) { ctx->fault.kind = GURU_FAULT_DIV_ZERO; ctx->fault.addr = 0;	\
		    ctx->fault.line = (spec_line); goto fault; }			\
	(s64)(__n / __d); })

#define GURU_MODU(a, b, spec_line) ({							\
	u64 __n = (a), __d = (b);						\
	if (!__d) { ctx->fault.kind = GURU_FAULT_DIV_ZERO; ctx->fault.addr = 0;	\
		    ctx->fault.line = (spec_line); goto fault; }			\
	(s64)(__n % __d); })

#define GURU_TVAR_SET(id, value, spec_line) do {					\
	if (!guru_tvar_set(ctx, id, value)) { ctx->fault.line = (spec_line); goto fault; } \
} while (0)

/* Shifts by 64 or more are undefined in C; the language masks the count. */
#define GURU_SHL(a, b) ((s64)((u64)(a) << ((b) & 63)))
#define GURU_SHR(a, b) ((s64)(a) >> ((b) & 63))
#define GURU_SHRU(a, b) ((s64)((u64)(a) >> ((b) & 63)))	/* an unsigned left operand: logical shift */

/*
 * Syscall arguments live in the caller's saved registers, in the x86_64
 * syscall order (rdi, rsi, rdx, r10, r8, r9), not the C calling order.
 */
static inline unsigned long *guru_sys_arg_slot(struct pt_regs *r, int n)
{
	switch (n) {
	case 0: return &r->di;
	case 1: return &r->si;
	case 2: return &r->dx;
	case 3: return &r->r10;
	case 4: return &r->r8;
	default: return &r->r9;
	}
}
#define GURU_SYS_ARG(n)		(*guru_sys_arg_slot(ctx->sys_regs, n))

/* Kernel function arguments at function entry, in C calling order. */
#define GURU_ARG(n)		regs_get_kernel_argument(ctx->regs, n)
static inline void guru_set_kernel_argument(struct pt_regs *r, int n, unsigned long v)
{
	switch (n) {
	case 0: r->di = v; break;
	case 1: r->si = v; break;
	case 2: r->dx = v; break;
	case 3: r->cx = v; break;
	case 4: r->r8 = v; break;
	default: r->r9 = v; break;
	}
}

/* At a syscall wrapper's entry: REGS are its registers there. */
static __always_inline void guru_sys_begin(struct guru_sys_call *call, struct pt_regs *regs, struct pt_regs *copy)
{
	/* The wrapper's only argument: the caller's registers (or, after another patch's rewrite, its copy). */
	call->sys_regs = (struct pt_regs *)regs->di;
	call->entry_regs = regs;
	call->copy = copy;
	call->written = 0;
}
/* Before the first rewrite of a call: the wrapper reads a copy from now on; false if there is no room for it. */
bool guru_sys_copy(struct guru_ctx *ctx);
/* A kretprobe entry_handler for kernel functions: saves the six argument registers in the per-call data. */
int guru_save_args(struct kretprobe_instance *ri, struct pt_regs *regs);

#define GURU_COUNT_WRITE()	(ctx->counts->writes++)
#define GURU_COUNT_MISS()	(ctx->counts->misses++)

/*
 * Statement probes. A `$local` is read and written through accessor
 * functions the module generates (one `case` per address of the line, from
 * DWARF); these helpers do the parts that can fail. Memory goes through the
 * nofault copies, so a bad address is a fault event, never an oops.
 */
bool guru_read_kernel(struct guru_ctx *ctx, unsigned long addr, unsigned int size, u64 *value);
bool guru_read_user(struct guru_ctx *ctx, unsigned long addr, unsigned int size, u64 *value);

/*
 * Member access (`$file->f_pos`): read a TYPE (s8 ... u64) at ADDR in
 * kernel or user memory, or go to fault.
 */
#define GURU_READ(space, addr, type, spec_line) ({					\
	u64 __v;								\
	if (!guru_read_##space(ctx, (unsigned long)(addr), sizeof(type), &__v)) {	\
		ctx->fault.line = (spec_line);					\
		goto fault;							\
	}									\
	(type)__v; })
bool guru_write_kernel(struct guru_ctx *ctx, unsigned long addr, unsigned int size, u64 value);
/* A user statement's local in the probed task's memory (uprobe handlers only: see guru_copy_user). */
bool guru_write_user(struct guru_ctx *ctx, unsigned long addr, unsigned int size, u64 value);

/*
 * A write through a pointer (`$file->f_pos = 0`): store VALUE as a TYPE at
 * ADDR in kernel memory, one store of that width, or go to fault.
 */
#define GURU_WRITE(space, addr, type, value, spec_line) do {				\
	if (!guru_write_##space(ctx, (unsigned long)(addr), sizeof(type), (u64)(type)(value))) {	\
		ctx->fault.line = (spec_line);					\
		goto fault;							\
	}									\
	GURU_COUNT_WRITE();							\
} while (0)

/*
 * Entry values (DW_OP_entry_value: "what rdi held when the function was
 * entered"): an entry kprobe saves the register and the CFA per task in two
 * thread-variable slots; a statement probe loads it only if its own CFA
 * matches, so a value from another call (recursion, a call entered before
 * the module was armed) is a fault, not a wrong answer.
 */
void guru_entry_save(unsigned int slot, unsigned long value, unsigned long cfa);
bool guru_entry_load(struct guru_ctx *ctx, unsigned int slot, unsigned long cfa, u64 *value);

#define GURU_LOCAL(get, spec_line) ({						\
	u64 __v;								\
	if (!get(ctx, &__v)) { ctx->fault.line = (spec_line); goto fault; }	\
	__v; })

#define GURU_SET_LOCAL(set, value, spec_line) do {				\
	if (!set(ctx, (u64)(value))) { ctx->fault.line = (spec_line); goto fault; } \
	GURU_COUNT_WRITE();							\
} while (0)

/* Rewrite a syscall argument in the copy the wrapper reads (struct guru_sys_call). */
#define GURU_SYS_SET_ARG(n, v, spec_line) do {					\
	if (!ctx->sys_call->written && !guru_sys_copy(ctx)) {			\
		ctx->fault.line = (spec_line);					\
		goto fault;							\
	}									\
	ctx->sys_call->written |= 1u << (n);					\
	GURU_SYS_ARG(n) = (unsigned long)(v);					\
	GURU_COUNT_WRITE();							\
} while (0)

#endif /* GURU_RUNTIME_H */
