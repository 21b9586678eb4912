/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guru runtime, aggregates: count("key") counters and bpftrace's maps
 * (`@name[key] = count()`, sum, avg, min, max, stats, hist, lhist) and
 * SystemTap's statistics (`name[key] <<< v`), linked
 * into modules whose spec uses them (kmod/guru_agg.c). Lean like
 * guru_runtime.h: this is what probes.c sees of them.
 *
 * A handler builds the key in its CPU's scratch (ctx->key: guru_agg_key_*),
 * then adds one value to the map (guru_agg_add), or, for maps whose slots
 * are known when the module is generated (count("key") counters, a map
 * with no key), to a slot (guru_agg_slot_add). Each CPU has its own table
 * per map, written only by the handler that owns the CPU's ctx: no lock, no
 * atomic instruction and no cache line another CPU writes, so NMI context
 * is fine. The supervisor reads every CPU's entries through a read-only
 * open of /dev/guru_<name> and merges them.
 */
#ifndef GURU_AGG_H
#define GURU_AGG_H

#include "guru_runtime.h"

struct inode;
struct file;

/* What one map aggregates (one kind per map); AGG_KINDS in src/expr/aggregates.ts. */
enum guru_agg_kind {
	GURU_AGG_COUNT = 1,	/* vals: count */
	GURU_AGG_SUM = 2,	/* vals: sum */
	GURU_AGG_AVG = 3,	/* vals: count, sum */
	GURU_AGG_MIN = 4,	/* vals: count, min */
	GURU_AGG_MAX = 5,	/* vals: count, max */
	GURU_AGG_STATS = 6,	/* vals: count, sum, min, max */
	GURU_AGG_HIST = 7,	/* vals: count, sum, then GURU_HIST_BUCKETS power-of-two buckets */
	GURU_AGG_LHIST = 8,	/* vals: count, sum, then the linear buckets (see struct guru_agg_map) */
	GURU_AGG_STAP = 9,	/* SystemTap's `x <<< v`: vals: count, sum, min, max, GURU_HIST_BUCKETS
				 * power-of-two buckets, then (lstep != 0: @hist_linear) the linear buckets */
};

/*
 * hist(): bucket 0 holds negative values, 1 holds 0, and 2 + k holds
 * [2^k, 2^(k+1)) for k = 0 ... 62, as bpftrace's hist() counts them.
 */
#define GURU_HIST_BUCKETS	65

/* One map, as the generated module declares it. */
struct guru_agg_map {
	const char *name;		/* "@opens", "@", or "count()" for the counters */
	u8 kind;			/* enum guru_agg_kind */
	bool dense;			/* slots known at generation: no key, no hashing */
	u16 key_size;			/* bytes, a multiple of 8 (0 when dense) */
	u16 nvals;			/* s64 words per entry */
	u32 capacity;			/* keys per CPU, or the dense slots */
	s64 lmin, lstep;		/* lhist (and a stap map with lstep != 0): bucket 0 below lmin, then [lmin + i * lstep, ...), the last one >= max */
};

/* The key of the update a handler is building, in its CPU's scratch. */
static inline void guru_agg_key_begin(struct guru_ctx *ctx)
{
	ctx->key_len = 0;
}

static inline void guru_agg_key_int(struct guru_ctx *ctx, s64 v)
{
	__builtin_memcpy(ctx->key + ctx->key_len, &v, sizeof(v));
	ctx->key_len += sizeof(v);
}

/* A string part: SIZE bytes (a multiple of 8), the string cut to SIZE - 1 and padded with NULs, so keys compare as bytes. */
void guru_agg_key_str(struct guru_ctx *ctx, const char *s, unsigned int size);

/* Add V to the entry of ctx->key in map MAP (a new key makes a new entry, or counts a drop when the CPU's table is full). */
void guru_agg_add(struct guru_ctx *ctx, unsigned int map, s64 v);
/* Add V to slot SLOT of dense map MAP. */
void guru_agg_slot_add(struct guru_ctx *ctx, unsigned int map, unsigned int slot, s64 v);

/* Allocates the tables at load, frees them at unload (an attach set of the runtime). */
extern const struct guru_family_ops guru_agg_ops;
/* A read-only open of /dev/guru_<name>: a snapshot of every CPU's entries (guru_runtime.c's ctl_open). */
int guru_agg_open(struct inode *inode, struct file *file);
/* The control file's "clear MAP": map MAP emptied on every CPU (process context; may sleep). */
int guru_agg_clear(unsigned int map);

#endif /* GURU_AGG_H */
