// SystemTap's statistics aggregates (`lat[k] <<< v`, map kind 'stap') as
// the supervisor shows them: the value of an extractor (@count(x), @avg(x),
// ... of one key, for printf() and log()), the histogram @hist_log(x) and
// @hist_linear(x, LO, HI, STEP) print in SystemTap's layout, and the parts
// of an entry seen as a hist() or lhist() entry (the summary, --json and
// Prometheus show those the way they show guru's own histograms).
//
// A 'stap' entry's words (enum guru_agg_kind GURU_AGG_STAP): count, sum,
// min, max, HIST_BUCKETS power-of-two buckets, then, when the spec uses
// @hist_linear on the map, the linear buckets of PlanMap.lhist.
import { HIST_BUCKETS, lhistBuckets, STAP_HIST_AT, type PlanMap } from '../expr/aggregates.js';
import type { StapExtract } from '../expr/logArg.js';
import type { MapEntry, MapValues } from './aggregateSnapshot.js';

/** A 'stap' entry's power-of-two part as a hist() entry (count, sum, buckets). */
export function stapLogView(map: PlanMap, vals: readonly bigint[]): { map: PlanMap; vals: bigint[] } {
  const { lhist: _lhist, ...rest } = map;
  return { map: { ...rest, kind: 'hist' }, vals: [vals[0]!, vals[1]!, ...vals.slice(STAP_HIST_AT, STAP_HIST_AT + HIST_BUCKETS)] };
}

/** Its linear part as an lhist() entry, when the map keeps one (the spec uses @hist_linear on it). */
export function stapLinearView(map: PlanMap, vals: readonly bigint[]): { map: PlanMap; vals: bigint[] } | undefined {
  if (!map.lhist) return undefined;
  return { map: { ...map, kind: 'lhist' }, vals: [vals[0]!, vals[1]!, ...vals.slice(STAP_HIST_AT + HIST_BUCKETS)] };
}

/** The entry of KEY in map NAME (a string key part compares as the kernel keeps it: its first size - 1 bytes). */
function entryOf(values: readonly MapValues[], x: StapExtract): { map: PlanMap; entry?: MapEntry } | undefined {
  const m = values.find((v) => v.map.name === x.map);
  if (!m) return undefined;
  const want = x.key.map((k, i) => {
    if (k.type === 'int') return BigInt(k.value);
    const part = m.map.keys[i];
    const max = part?.type === 'string' ? part.size - 1 : k.value.length;
    return Buffer.from(k.value, 'utf8').subarray(0, max).toString('utf8');
  });
  const entry = m.map.slots ? m.entries[0] : m.entries.find((e) => e.key.length === want.length && e.key.every((k, i) => k === want[i]));
  return { map: m.map, entry };
}

/**
 * What extractor X shows, read from VALUES (a snapshot taken when its
 * record was read): an integer for @count @sum @min @max @avg (0 for a key
 * with no values yet, where SystemTap would stop with an error), the
 * histogram's text for @hist_log and @hist_linear ('' for no values).
 */
export function extractValue(values: readonly MapValues[], x: StapExtract): bigint | string {
  const found = entryOf(values, x);
  const vals = found?.entry?.vals;
  const count = vals?.[0] ?? 0n;
  switch (x.extract) {
    case 'count':
      return count;
    case 'sum':
      return vals?.[1] ?? 0n;
    case 'min':
      return count ? vals![2]! : 0n;
    case 'max':
      return count ? vals![3]! : 0n;
    case 'avg':
      return count ? vals![1]! / count : 0n;
    case 'hist_log':
      return vals && count ? stapHistogram(stapLogView(found!.map, vals)) : '';
    case 'hist_linear': {
      const view = vals && count ? stapLinearView(found!.map, vals) : undefined;
      return view ? stapHistogram(view) : '';
    }
  }
}

/** SystemTap's histogram bar: 50 columns at the largest bucket (HIST_WIDTH). */
const STAP_WIDTH = 50;
/** SystemTap elides a zero row whose 2 nearest rows each side are zero too (HIST_ELISION). */
const STAP_ELISION = 2;

/** Each bucket's row label, as SystemTap labels its rows: the bucket's least value. */
function stapLabels(map: PlanMap): string[] {
  if (map.kind === 'hist') return Array.from({ length: HIST_BUCKETS }, (_, b) => (b === 0 ? '<0' : b === 1 ? '0' : String(1n << BigInt(b - 2))));
  const { min, max, step } = { min: BigInt(map.lhist!.min), max: BigInt(map.lhist!.max), step: BigInt(map.lhist!.step) };
  const n = lhistBuckets(map.lhist!);
  return Array.from({ length: n }, (_, b) => (b === 0 ? `<${min}` : b === n - 1 ? `>=${max}` : String(min + BigInt(b - 1) * step)));
}

/**
 * A hist() or lhist() view's buckets (count, sum, buckets) in SystemTap's
 * layout (runtime/stat-common.c): a header, one row per bucket from the one
 * before the first used to the one after the last used, runs of zero rows
 * elided to a `~`, bars of @ scaled to 50 columns, and an empty line.
 */
export function stapHistogram(view: { map: PlanMap; vals: readonly bigint[] }): string {
  const buckets = view.vals.slice(2);
  const used = buckets.map((c, i) => (c ? i : -1)).filter((i) => i >= 0);
  if (!used.length) return '';
  const labels = stapLabels(view.map);
  // The bucket before the first used one and the one after the last, for context (not hist's bucket of negative values).
  const low = Math.max(used[0]! - 1, view.map.kind === 'hist' && used[0]! > 0 ? 1 : 0);
  const high = Math.min(used[used.length - 1]! + 1, buckets.length - 1);
  const most = buckets.reduce((m, c) => (c > m ? c : m), 0n);
  const scale = most <= BigInt(STAP_WIDTH) ? 1n : (most + BigInt(STAP_WIDTH) - 1n) / BigInt(STAP_WIDTH);
  const countWidth = String(most).length;
  const valueWidth = Math.max(5, ...labels.slice(low, high + 1).map((l) => l.length));
  const out = [`${'value'.padStart(valueWidth)} |${'-'.repeat(STAP_WIDTH)} count`];
  let eliding = false;
  for (let i = low; i <= high; i++) {
    const near = buckets.slice(Math.max(low, i - STAP_ELISION), Math.min(high, i + STAP_ELISION) + 1);
    if (near.every((c) => c === 0n)) {
      eliding = true;
      continue;
    }
    if (eliding) out.push(`${' '.repeat(valueWidth)} ~`);
    eliding = false;
    const c = buckets[i]!;
    const bar = '@'.repeat(Number(c / scale));
    out.push(`${labels[i]!.padStart(valueWidth)} |${bar.padEnd(STAP_WIDTH)} ${String(c).padStart(countWidth)}`);
  }
  return out.join('\n') + '\n\n';
}
