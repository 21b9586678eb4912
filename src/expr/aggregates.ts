// Aggregates: count("key") counters and bpftrace's maps (`@name[key] =
// count()`), as the compiler records them and the plan, the renderer, the
// manifest and the supervisor read them. The kernel side is
// kmod/guru_agg.{c,h}; the layout of an entry here must match it.

/**
 * What a map aggregates, one kind per map (enum guru_agg_kind in
 * kmod/guru_agg.h, same order from 1). 'stap' is SystemTap's statistics
 * aggregate (`lat[k] <<< v`): count, sum, min and max, the power-of-two
 * buckets @hist_log shows, and the linear ones of @hist_linear when the
 * spec asks for them (PlanMap.lhist).
 */
export const AGG_KINDS = ['count', 'sum', 'avg', 'min', 'max', 'stats', 'hist', 'lhist', 'stap'] as const;
export type AggKind = (typeof AGG_KINDS)[number];
/** The kinds bpftrace's `@name = AGG(x)` names as a function: every kind but 'stap', which `<<<` fills. */
export const AGG_FUNCTIONS: readonly AggKind[] = AGG_KINDS.filter((k) => k !== 'stap');

/** The map count("key") counters live in: a name no spec can write (@ names are letters, digits and _). */
export const COUNTERS_MAP = 'count()';

export { DEFAULT_MAP_SIZE, MAX_MAP_SIZE } from '../patchSpec/mapSizes.js';
/** Bytes of one key (GURU_AGG_KEY_MAX in kmod/guru_runtime.h). */
export const AGG_KEY_MAX = 256;
/** A string key part keeps this many bytes, NUL included (comm: its 16). */
export const STRING_KEY_SIZE = 64;
export const COMM_KEY_SIZE = 16;
/** Power-of-two buckets of hist() (GURU_HIST_BUCKETS). */
export const HIST_BUCKETS = 65;
/** Most linear buckets lhist() may have, the two outer ones included. */
export const LHIST_MAX_BUCKETS = 1002;
/** Most count("key") names one spec may use. */
export const MAX_COUNTERS = 1024;

/** One part of a map's key: an s64, or a string kept in SIZE bytes (NUL-padded). */
export type AggKeyPart = { type: 'int' } | { type: 'string'; size: number };

/** lhist(x, min, max, step)'s bounds, as decimal text (they are s64). */
export interface LhistBounds {
  min: string;
  max: string;
  step: string;
}

/** A map of the plan: Plan.maps[id]. */
export interface PlanMap {
  id: number;
  /** `@opens`, `@` (bpftrace's anonymous map), or COUNTERS_MAP. */
  name: string;
  kind: AggKind;
  keys: AggKeyPart[];
  /** Keys per CPU (keyed maps), or the slots of a dense map. */
  capacity: number;
  /**
   * Dense maps, whose slots are known when the module is generated: the
   * counters' names (COUNTERS_MAP), or one unnamed slot (a map with no
   * key, `@total = count()`). Absent for keyed maps.
   */
  slots?: string[];
  /** lhist(x, ...)'s buckets; for a 'stap' map, those of the spec's @hist_linear(x, LO, HI, STEP), kept beside its power-of-two ones. */
  lhist?: LhistBounds;
  /** Spec line of its first use. */
  line: number;
}

/** s64 words an entry of KIND holds (see enum guru_agg_kind). */
export function aggValueWords(kind: AggKind, lhist?: LhistBounds): number {
  switch (kind) {
    case 'count':
    case 'sum':
      return 1;
    case 'avg':
    case 'min':
    case 'max':
      return 2;
    case 'stats':
      return 4;
    case 'hist':
      return 2 + HIST_BUCKETS;
    case 'lhist':
      return 2 + lhistBuckets(lhist!);
    case 'stap':
      return STAP_HIST_AT + HIST_BUCKETS + (lhist ? lhistBuckets(lhist) : 0);
  }
}

/** Where a 'stap' entry's power-of-two buckets start (after count, sum, min, max); its linear ones follow them. */
export const STAP_HIST_AT = 4;

/** lhist's buckets: one below min, one per step up to max, one for the rest. */
export function lhistBuckets(b: LhistBounds): number {
  const [min, max, step] = [BigInt(b.min), BigInt(b.max), BigInt(b.step)];
  return Number((max - min + step - 1n) / step) + 2;
}

export function keyBytes(keys: readonly AggKeyPart[]): number {
  return keys.reduce((n, k) => n + (k.type === 'int' ? 8 : k.size), 0);
}

/** An entry's bytes: seq and hash (8), the key, the values. */
export function entryBytes(m: Pick<PlanMap, 'kind' | 'keys' | 'lhist'>): number {
  return 8 + keyBytes(m.keys) + 8 * aggValueWords(m.kind, m.lhist);
}
