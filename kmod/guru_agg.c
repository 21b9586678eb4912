// SPDX-License-Identifier: GPL-2.0
/*
 * guru runtime, aggregates (see guru_agg.h for what probes.c calls).
 *
 * Storage, per map and per CPU: a table of entries in the order their keys
 * first came (entries[0 .. used)), and for keyed maps an open-addressed
 * index (linear probing) of twice the capacity rounded up to a power of
 * two, slot -> entry + 1 (0: empty), so a lookup always ends at an empty
 * slot. An entry is
 *
 *	u32 seq;	odd while its values are being changed
 *	u32 hash;	of its key (keyed maps), or its slot (dense maps)
 *	u8 key[key_size];
 *	s64 vals[nvals];
 *
 * Writers: only the handler that owns this CPU's struct guru_ctx (busy,
 * guru_enter) touches this CPU's tables, so there is one writer at a time
 * per table, with preemption off, and it needs no lock and no atomic
 * instruction: an NMI-context hit cannot deadlock, and no cache line is
 * shared with another CPU. A hit that would nest (an NMI during another
 * handler on this CPU) was skipped by guru_enter and counted as nmissed.
 * Between clears an entry once published stays where it is. A key that
 * finds its CPU's table full is counted in that table's dropped, never
 * silently lost.
 *
 * Clearing (clear(@x): the control file's "clear N", process context): a
 * table is emptied on its own CPU, by an IPI that owns the CPU's ctx as a
 * handler would (guru_claim_cpu), so it is the table's one writer there
 * and a handler that arrives meanwhile (an NMI-context kprobe) is skipped
 * and counted. If a handler owns the ctx when the IPI comes (the IPI
 * interrupted it, or a uprobe handler paging in user memory owns it from
 * another task), that CPU is tried again a millisecond later. An offline
 * CPU runs no handler: its tables are emptied from here, with CPU hotplug
 * held off. Emptying is cheap: used = 0 and the index zeroed (keyed maps:
 * at most 512 KiB); an entry's values are zeroed when a new key takes it
 * (lookup), dense maps' few slots at once. dropped is never cleared: it
 * counts every update lost in the session.
 *
 * Reader: a read-only open of /dev/guru_<name> (guru_agg_open, process
 * context, any CPU) copies every CPU's entries into a snapshot, which read()
 * returns; user space merges the CPUs. `used` is published with a release
 * store after the entry's key is written, so an entry the reader counts
 * has its key. Values are read under the entry's seq (a seqcount the
 * reader retries on): the reader never sees an avg's count without its
 * sum. The retry cannot spin for long: the writer runs with preemption
 * off and finishes its few stores; if it is an NMI on the reader's own
 * CPU, it finishes before the reader resumes.
 *
 * Lifetime: tables are allocated at load (an attach set, before the device
 * exists) and freed at unload, so values survive disarm (a detached patch
 * whose ttl ran out still shows its counts in guru metrics until guru rm).
 * A snapshot holds a reference on the module (the file's f_op owner), so
 * rmmod cannot free the tables under a reader. agg_lock keeps a clear and
 * a snapshot apart: the reader's copy never sees a table being emptied.
 */
#include <linux/module.h>
#include <linux/fs.h>
#include <linux/jhash.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "guru_agg.h"

/* Every map's tables on every CPU together, at most (a spec asking for more fails to load, saying so). */
#define AGG_MAX_BYTES	(256ul << 20)

#define AGG_SNAP_MAGIC		0x41525547	/* "GURA" little endian; src/apply/aggregateSnapshot.ts */
#define AGG_SNAP_VERSION	1

struct agg_table {
	u32 used;		/* entries in use; release-stored by the writer */
	u32 mask;		/* index slots - 1 (keyed maps) */
	u64 dropped;		/* new keys that found the table full */
	u32 *index;		/* keyed maps: slot -> entry + 1 */
	u8 *entries;		/* capacity entries of entry_size bytes */
};

/* The snapshot's layout: a header, then per map a header and its entries (struct guru_agg_entry's bytes, seq replaced by the CPU). */
struct agg_snap_header {
	u32 magic;
	u16 version;
	u16 nmaps;
	u32 ncpus;		/* nr_cpu_ids */
	u32 reserved;
};

struct agg_snap_map {
	u64 dropped;		/* summed over the CPUs */
	u32 entries;
	u32 entry_size;
};

struct agg_snapshot {
	size_t len;
	u8 data[];
};

static const struct guru_agg_map *maps;
static unsigned int nmaps;
static struct agg_table __percpu *tables;	/* [nmaps] per CPU */
static DEFINE_MUTEX(agg_lock);			/* a clear against a snapshot */

static size_t entry_size(const struct guru_agg_map *m)
{
	return 8 + m->key_size + (size_t)m->nvals * sizeof(s64);
}

static u8 *entry_at(const struct agg_table *t, const struct guru_agg_map *m, u32 i)
{
	return t->entries + (size_t)i * entry_size(m);
}

static u32 index_slots(const struct guru_agg_map *m)
{
	return m->dense ? 0 : roundup_pow_of_two(2 * m->capacity);
}

void guru_agg_key_str(struct guru_ctx *ctx, const char *s, unsigned int size)
{
	u8 *dst = ctx->key + ctx->key_len;
	size_t n = s ? strnlen(s, size - 1) : 0;

	memcpy(dst, s, n);
	memset(dst + n, 0, size - n);
	ctx->key_len += size;
}

/*
 * This CPU's entry for KEY in M; NULL (counted) when the table is full. A
 * new key's entry is made but not yet published: *SLOT is then its index
 * slot, for publish() once the first update is in, so that a reader never
 * sees a key with no value yet (a count() key counted 0 times).
 */
static u8 *lookup(struct agg_table *t, const struct guru_agg_map *m, const u8 *key, int *slot)
{
	u32 h = jhash2((const u32 *)key, m->key_size / 4, 0);
	u32 i = h & t->mask, n;
	u8 *e;

	*slot = -1;
	/* At most capacity entries in twice as many slots: an empty slot ends every search. */
	for (;; i = (i + 1) & t->mask) {
		u32 idx = t->index[i];

		if (!idx)
			break;
		e = entry_at(t, m, idx - 1);
		if (((u32 *)e)[1] == h && !memcmp(e + 8, key, m->key_size))
			return e;
	}
	n = t->used;
	if (n == m->capacity) {
		WRITE_ONCE(t->dropped, t->dropped + 1);
		return NULL;
	}
	e = entry_at(t, m, n);
	((u32 *)e)[1] = h;
	memcpy(e + 8, key, m->key_size);
	/* A clear may have left an older key's values here. */
	memset(e + 8 + m->key_size, 0, (size_t)m->nvals * sizeof(s64));
	*slot = i;
	return e;
}

/* Make the entry lookup() made at index SLOT visible: to the next lookup, and to the reader. */
static void publish(struct agg_table *t, int slot)
{
	u32 n = t->used;

	t->index[slot] = n + 1;	/* the index is this CPU's writer's alone */
	smp_store_release(&t->used, n + 1);	/* the reader sees key and first values before it counts the entry */
}

/* hist(): see GURU_HIST_BUCKETS. */
static unsigned int hist_bucket(s64 v)
{
	if (v < 0)
		return 0;
	if (v == 0)
		return 1;
	return 2 + ilog2((u64)v);
}

/* lhist() and @hist_linear: bucket 0 below lmin, LAST for what is past the others. */
static unsigned int lhist_bucket(const struct guru_agg_map *m, s64 v, unsigned int last)
{
	u64 b;

	if (v < m->lmin)
		return 0;
	b = ((u64)v - (u64)m->lmin) / (u64)m->lstep;	/* v >= lmin: the difference is right as u64 */
	return b >= last ? last : b + 1;	/* not 1 + b: that wraps for lmin S64_MIN, lstep 1 */
}

#define BUMP(x, by)	WRITE_ONCE(x, (s64)((u64)(x) + (u64)(by)))	/* wraps like the language's integers */

static void update(const struct guru_agg_map *m, u8 *e, s64 v)
{
	u32 *seq = (u32 *)e;
	s64 *val = (s64 *)(e + 8 + m->key_size);

	/* A seqcount with one writer: odd while the values change (see the reader). */
	WRITE_ONCE(*seq, *seq + 1);
	smp_wmb();
	switch (m->kind) {
	case GURU_AGG_COUNT:
	case GURU_AGG_SUM:
		BUMP(val[0], v);
		break;
	case GURU_AGG_AVG:
		BUMP(val[0], 1);
		BUMP(val[1], v);
		break;
	case GURU_AGG_MIN:
	case GURU_AGG_MAX:
		if (!val[0] || (m->kind == GURU_AGG_MIN ? v < val[1] : v > val[1]))
			WRITE_ONCE(val[1], v);
		BUMP(val[0], 1);
		break;
	case GURU_AGG_STATS:
	case GURU_AGG_STAP:
		if (!val[0] || v < val[2])
			WRITE_ONCE(val[2], v);
		if (!val[0] || v > val[3])
			WRITE_ONCE(val[3], v);
		BUMP(val[0], 1);
		BUMP(val[1], v);
		if (m->kind == GURU_AGG_STATS)
			break;
		/* SystemTap's <<<: stats' words, then its buckets (same handler context and single writer as the rest). */
		BUMP(val[4 + hist_bucket(v)], 1);
		if (m->lstep)	/* linear buckets 0 ... nvals - 4 - GURU_HIST_BUCKETS - 1 after the log ones */
			BUMP(val[4 + GURU_HIST_BUCKETS + lhist_bucket(m, v, m->nvals - 4 - GURU_HIST_BUCKETS - 1)], 1);
		break;
	case GURU_AGG_HIST:
	case GURU_AGG_LHIST: {
		/* lhist vals: count, sum, buckets 0 ... nvals - 3 */
		unsigned int b = m->kind == GURU_AGG_HIST ? hist_bucket(v) : lhist_bucket(m, v, m->nvals - 3);

		BUMP(val[0], 1);
		BUMP(val[1], v);
		BUMP(val[2 + b], 1);
		break;
	}
	}
	smp_wmb();
	WRITE_ONCE(*seq, *seq + 1);
}

/* Handlers only: they own this CPU (preemption off, ctx busy). */
void guru_agg_add(struct guru_ctx *ctx, unsigned int map, s64 v)
{
	const struct guru_agg_map *m = &maps[map];
	struct agg_table *t = this_cpu_ptr(tables) + map;
	int slot;
	u8 *e = lookup(t, m, ctx->key, &slot);

	if (!e)
		return;
	update(m, e, v);
	if (slot >= 0)
		publish(t, slot);
}

void guru_agg_slot_add(struct guru_ctx *ctx, unsigned int map, unsigned int slot, s64 v)
{
	const struct guru_agg_map *m = &maps[map];

	update(m, entry_at(this_cpu_ptr(tables) + map, m, slot), v);
}

/* ---- clear(@x) ----------------------------------------------------------- */

/* Empty T, map M's table of a CPU, as its one writer (see "Clearing" above). */
static void reset_table(const struct guru_agg_map *m, struct agg_table *t)
{
	u32 s;

	if (m->dense) {
		for (s = 0; s < m->capacity; s++)
			memset(entry_at(t, m, s) + 8 + m->key_size, 0, (size_t)m->nvals * sizeof(s64));
		return;
	}
	memset(t->index, 0, index_slots(m) * sizeof(u32));
	WRITE_ONCE(t->used, 0);
}

struct agg_reset {
	unsigned int map;
	bool done;
};

/* In an IPI on the CPU whose table it empties (interrupts off). */
static void reset_here(void *arg)
{
	struct agg_reset *r = arg;
	struct guru_ctx *ctx = guru_claim_cpu();

	if (!ctx)
		return;	/* a handler owns the CPU: guru_agg_clear tries again */
	reset_table(&maps[r->map], this_cpu_ptr(tables) + r->map);
	guru_leave(ctx);
	r->done = true;
}

/* Most tries per CPU, a millisecond apart, before a clear gives up (-EBUSY) on one a handler keeps owning. */
#define AGG_CLEAR_TRIES	1000

/* The control file's "clear MAP"; process context. */
int guru_agg_clear(unsigned int map)
{
	struct agg_reset r = { .map = map };
	unsigned int tries;
	int cpu, err = 0;

	if (map >= nmaps)
		return -EINVAL;
	mutex_lock(&agg_lock);
	for_each_possible_cpu(cpu) {
		for (tries = 0, r.done = false; !r.done; tries++) {
			if (tries == AGG_CLEAR_TRIES) {
				err = -EBUSY;
				goto out;
			}
			if (tries)
				msleep(1);
			cpus_read_lock();
			if (cpu_online(cpu)) {
				smp_call_function_single(cpu, reset_here, &r, 1);
			} else {
				reset_table(&maps[map], per_cpu_ptr(tables, cpu) + map);
				r.done = true;
			}
			cpus_read_unlock();
		}
	}
out:
	mutex_unlock(&agg_lock);
	return err;
}

/* ---- load and unload: an attach set whose defs are the module's maps ---- */

static void free_tables(void)
{
	unsigned int i;
	int cpu;

	if (!tables)
		return;
	for_each_possible_cpu(cpu) {
		for (i = 0; i < nmaps; i++) {
			struct agg_table *t = per_cpu_ptr(tables, cpu) + i;

			vfree(t->entries);
			vfree(t->index);
		}
	}
	free_percpu(tables);
	tables = NULL;
}

static int agg_load(const struct guru_attach_set *set)
{
	size_t bytes = 0;
	unsigned int i, s;
	int cpu;

	maps = set->defs;
	nmaps = set->n;
	for (i = 0; i < nmaps; i++)
		bytes += (size_t)maps[i].capacity * entry_size(&maps[i]) + index_slots(&maps[i]) * sizeof(u32);
	if (bytes > AGG_MAX_BYTES / num_possible_cpus()) {
		pr_err("%s: the maps need %zu KiB on each of %u CPUs, more than %lu MiB in all: give them smaller sizes (maps: in the spec)\n",
		       guru_this.name, bytes >> 10, num_possible_cpus(), AGG_MAX_BYTES >> 20);
		return -E2BIG;
	}
	tables = __alloc_percpu(nmaps * sizeof(struct agg_table), __alignof__(struct agg_table));
	if (!tables)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		for (i = 0; i < nmaps; i++) {
			const struct guru_agg_map *m = &maps[i];
			struct agg_table *t = per_cpu_ptr(tables, cpu) + i;

			t->entries = vzalloc_node((size_t)m->capacity * entry_size(m), cpu_to_node(cpu));
			if (!t->entries)
				goto fail;
			if (m->dense) {
				/* Every slot is an entry from the start: counters read 0 until hit. */
				for (s = 0; s < m->capacity; s++)
					((u32 *)entry_at(t, m, s))[1] = s;
				t->used = m->capacity;
				continue;
			}
			t->mask = index_slots(m) - 1;
			t->index = vzalloc_node(index_slots(m) * sizeof(u32), cpu_to_node(cpu));
			if (!t->index)
				goto fail;
		}
	}
	return 0;
fail:
	free_tables();
	return -ENOMEM;
}

static int agg_arm(const struct guru_attach_set *set)
{
	return 0;
}

static void agg_disarm(const struct guru_attach_set *set)
{
}

/* After disarm (no handler runs) and with no snapshot open (each pins the module). */
static void agg_unload(const struct guru_attach_set *set)
{
	free_tables();
}

const struct guru_family_ops guru_agg_ops = {
	.name = "aggregate",
	.load = agg_load,
	.arm = agg_arm,
	.disarm = agg_disarm,
	.unload = agg_unload,
};

/* ---- the snapshot: a read-only open of the control device ----------------- */

/* Entry E of CPU into DST, its values consistent (seq even and unchanged around the copy). */
static void copy_entry(const u8 *e, u8 *dst, size_t size, u32 cpu, u32 index)
{
	const u32 *seq = (const u32 *)e;
	size_t w;
	u32 s;

	for (;;) {
		s = smp_load_acquire(seq);
		if (s & 1) {
			cpu_relax();
			continue;
		}
		for (w = 8; w < size; w += 8)
			*(u64 *)(dst + w) = READ_ONCE(*(const u64 *)(e + w));
		smp_rmb();
		if (READ_ONCE(*seq) == s)
			break;
	}
	((u32 *)dst)[0] = cpu;
	((u32 *)dst)[1] = index;
}

static ssize_t snap_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	struct agg_snapshot *snap = file->private_data;

	return simple_read_from_buffer(buf, count, ppos, snap->data, snap->len);
}

static int snap_release(struct inode *inode, struct file *file)
{
	kvfree(file->private_data);
	return 0;
}

static const struct file_operations snap_fops = {
	.owner = THIS_MODULE,
	.read = snap_read,
	.release = snap_release,
	.llseek = default_llseek,
};

/*
 * Called by ctl_open for an open without write access. The counts of
 * entries are taken once per CPU and map (CPUs may add keys meanwhile:
 * those are in the next snapshot); each entry is then copied under its seq.
 */
int guru_agg_open(struct inode *inode, struct file *file)
{
	unsigned int ncpus = nr_cpu_ids, i;
	u32 *counts = kcalloc((size_t)max(nmaps, 1u) * ncpus, sizeof(u32), GFP_KERNEL);
	struct agg_snapshot *snap;
	size_t len = sizeof(struct agg_snap_header);
	u8 *p;
	int cpu;

	if (!counts)
		return -ENOMEM;
	mutex_lock(&agg_lock);
	for (i = 0; i < nmaps; i++) {
		size_t n = 0;

		for_each_possible_cpu(cpu) {
			counts[(size_t)i * ncpus + cpu] = smp_load_acquire(&(per_cpu_ptr(tables, cpu) + i)->used);
			n += counts[(size_t)i * ncpus + cpu];
		}
		len += sizeof(struct agg_snap_map) + n * entry_size(&maps[i]);
	}
	snap = kvzalloc(sizeof(*snap) + len, GFP_KERNEL);
	if (!snap) {
		mutex_unlock(&agg_lock);
		kfree(counts);
		return -ENOMEM;
	}
	snap->len = len;
	*(struct agg_snap_header *)snap->data = (struct agg_snap_header){
		.magic = AGG_SNAP_MAGIC, .version = AGG_SNAP_VERSION, .nmaps = nmaps, .ncpus = ncpus,
	};
	p = snap->data + sizeof(struct agg_snap_header);
	for (i = 0; i < nmaps; i++) {
		const struct guru_agg_map *m = &maps[i];
		struct agg_snap_map *h = (struct agg_snap_map *)p;
		size_t size = entry_size(m);
		u32 e;

		h->entry_size = size;
		p += sizeof(*h);
		for_each_possible_cpu(cpu) {
			const struct agg_table *t = per_cpu_ptr(tables, cpu) + i;
			u32 n = counts[(size_t)i * ncpus + cpu];

			h->dropped += READ_ONCE(t->dropped);
			for (e = 0; e < n; e++, p += size)
				copy_entry(entry_at(t, m, e), p, size, cpu, e);
			h->entries += n;
		}
	}
	mutex_unlock(&agg_lock);
	kfree(counts);
	file->private_data = snap;
	/*
	 * From here on the file reads the snapshot, as misc_open hands a file
	 * over to a driver's fops (what replace_fops() does, whose BUG_ON on
	 * a constant address gcc warns about). Both fops are this module's:
	 * the new one's reference is taken before the old one's is put, so the
	 * module stays pinned throughout.
	 */
	__module_get(THIS_MODULE);
	fops_put(file->f_op);
	file->f_op = &snap_fops;
	return 0;
}
