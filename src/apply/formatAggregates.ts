// Maps and counters as text, the way bpftrace prints its maps at the end
// (`@opens[cat]: 5`, sorted by value; a histogram per key with its bucket
// ranges, counts and a bar of @), and as JSON for --json.
import { COUNTERS_MAP, HIST_BUCKETS, lhistBuckets, type PlanMap } from '../expr/aggregates.js';
import type { MapEntry, MapKey, MapValues } from './aggregateSnapshot.js';
import { stapLinearView, stapLogView } from './stapAggregates.js';

/** The width of a histogram's bar of @ at its largest bucket (bpftrace's), where no terminal says how wide it is. */
const BAR_WIDTH = 52;
/** The narrowest bar on a narrow terminal: below it a bar shows nothing. */
const MIN_BAR_WIDTH = 10;

export interface AggregateFormat {
  /** Keyed maps: only the N largest (by value; histograms by count). */
  top?: number;
  /** What asked for top, in the line that says how many keys it left out: `--top N` by default. */
  topLabel?: string;
  /**
   * The terminal's columns when the text goes to one: a histogram's bar then
   * fills the line (at least MIN_BAR_WIDTH). Unset (a pipe, a file): bpftrace's
   * 52, so the text does not depend on where it was made.
   */
  columns?: number;
}

function keyText(key: MapKey): string {
  return key.map((k) => String(k)).join(', ');
}

/** What one entry shows on its line (not histograms). */
function valueText(map: PlanMap, vals: readonly bigint[]): string {
  switch (map.kind) {
    case 'count':
    case 'sum':
      return String(vals[0]);
    case 'avg':
      return vals[0] ? String(vals[1]! / vals[0]!) : '0';
    case 'min':
    case 'max':
      return String(vals[1]);
    case 'stats':
      return `count ${vals[0]}, average ${vals[0] ? vals[1]! / vals[0]! : 0n}, total ${vals[1]}`;
    case 'stap':
      return `count ${vals[0]}, min ${vals[2]}, max ${vals[3]}, average ${vals[0] ? vals[1]! / vals[0]! : 0n}, total ${vals[1]}`;
    default:
      return String(vals[0]);
  }
}

/** The number entries are sorted by: bpftrace sorts a map by its values, smallest first. */
function sortValue(map: PlanMap, vals: readonly bigint[]): bigint {
  switch (map.kind) {
    case 'avg':
      return vals[0] ? vals[1]! / vals[0]! : 0n;
    case 'min':
    case 'max':
      return vals[1]!;
    case 'stats':
      return vals[1]!;
    default:
      return vals[0]!;
  }
}

/** 1024-based suffixes, as bpftrace labels power-of-two buckets: 8K, 16M. */
function powerLabel(v: bigint): string {
  const units = ['', 'K', 'M', 'G', 'T', 'P', 'E'];
  let u = 0;
  while (u < units.length - 1 && v >= 1024n && v % 1024n === 0n) {
    v /= 1024n;
    u++;
  }
  return `${v}${units[u]}`;
}

/** The label of each bucket of a hist() or lhist() map. */
export function bucketLabels(map: PlanMap): string[] {
  if (map.kind === 'hist') {
    return Array.from({ length: HIST_BUCKETS }, (_, b) => {
      if (b === 0) return '(..., 0)';
      if (b === 1) return '[0]';
      if (b === 2) return '[1]';
      const k = BigInt(b - 2);
      return `[${powerLabel(1n << k)}, ${powerLabel(1n << (k + 1n))})`;
    });
  }
  const { min, step } = { min: BigInt(map.lhist!.min), step: BigInt(map.lhist!.step) };
  const n = lhistBuckets(map.lhist!);
  return Array.from({ length: n }, (_, b) => {
    if (b === 0) return `(..., ${min})`;
    const lo = min + BigInt(b - 1) * step;
    return b === n - 1 ? `[${lo}, ...)` : `[${lo}, ${lo + step})`;
  });
}

/** The lower bound of each bucket (undefined for the first, which is open below): Prometheus' le is the next one's. */
export function bucketUpperBounds(map: PlanMap): (bigint | undefined)[] {
  if (map.kind === 'hist') {
    // Integers: bucket 0 is < 0 (le -1), 1 is 0 (le 0), 2 + k is up to 2^(k+1) - 1.
    return Array.from({ length: HIST_BUCKETS }, (_, b) => (b === 0 ? -1n : b === 1 ? 0n : (1n << BigInt(b - 1)) - 1n));
  }
  const { min, step } = { min: BigInt(map.lhist!.min), step: BigInt(map.lhist!.step) };
  const n = lhistBuckets(map.lhist!);
  return Array.from({ length: n }, (_, b) => (b === n - 1 ? undefined : min + BigInt(b) * step - 1n));
}

function histogram(map: PlanMap, vals: readonly bigint[], columns?: number): string[] {
  const buckets = vals.slice(2);
  const used = buckets.map((c, i) => (c ? i : -1)).filter((i) => i >= 0);
  if (!used.length) return [];
  const labels = bucketLabels(map);
  const [first, last] = [used[0]!, used[used.length - 1]!];
  const most = buckets.reduce((m, c) => (c > m ? c : m), 0n);
  const shown = labels.slice(first, last + 1);
  const lw = Math.max(...shown.map((l) => l.length));
  const cw = Math.max(...buckets.slice(first, last + 1).map((c) => String(c).length));
  // The line is the label, a space, the count in cw + 4, ' |', the bar and '|'.
  const width = columns ? Math.max(MIN_BAR_WIDTH, columns - (lw + 1 + cw + 4 + 3)) : BAR_WIDTH;
  return buckets.slice(first, last + 1).map((c, i) => {
    const bar = most ? Number((c * BigInt(width)) / most) : 0;
    return `${shown[i]!.padEnd(lw)} ${String(c).padStart(cw + 4)} |${'@'.repeat(bar).padEnd(width)}|`;
  });
}

/** Entries of a keyed map in bpftrace's order (histograms: by key), the top N if asked. */
function ordered(m: MapValues, opts: AggregateFormat): MapEntry[] {
  const hist = m.map.kind === 'hist' || m.map.kind === 'lhist';
  const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
  const byValue = [...m.entries].sort((a, b) => cmp(sortValue(m.map, a.vals), sortValue(m.map, b.vals)) || keyText(a.key).localeCompare(keyText(b.key)));
  const top = opts.top !== undefined && !m.map.slots ? byValue.slice(Math.max(0, byValue.length - opts.top)) : byValue;
  return hist ? top.sort((a, b) => keyText(a.key).localeCompare(keyText(b.key))) : top;
}

/** Every map as bpftrace prints it, then the count("key") counters; '' when there are none. */
export function formatAggregates(values: readonly MapValues[], opts: AggregateFormat = {}): string {
  const out: string[] = [];
  for (const m of values) {
    if (m.map.name === COUNTERS_MAP) continue;
    const hist = m.map.kind === 'hist' || m.map.kind === 'lhist';
    const entries = ordered(m, opts);
    for (const e of entries) {
      const name = m.map.slots ? m.map.name : `${m.map.name}[${keyText(e.key)}]`;
      if (hist) out.push(`${name}:`, ...histogram(m.map, e.vals, opts.columns), '');
      else if (m.map.kind === 'stap') {
        // SystemTap's <<<: its numbers, then the histogram @hist_log shows (and @hist_linear's, when the spec uses it).
        const log = stapLogView(m.map, e.vals);
        const linear = stapLinearView(m.map, e.vals);
        out.push(`${name}: ${valueText(m.map, e.vals)}`, ...histogram(log.map, log.vals, opts.columns), ...(linear ? ['', ...histogram(linear.map, linear.vals, opts.columns)] : []), '');
      }
      else out.push(`${name}: ${valueText(m.map, e.vals)}`);
    }
    const hidden = m.entries.length - entries.length;
    if (hidden > 0) out.push(`${m.map.name}: ${hidden} more keys (${opts.topLabel ?? `--top ${opts.top}`})`);
    if (m.dropped) out.push(`${m.map.name}: ${m.dropped} updates dropped: they had new keys and its table (${m.map.capacity} keys per CPU) was full; give it a larger size (maps: { ${m.map.name.slice(1) || "'@'"}: { size: N } })`);
  }
  const counters = values.find((m) => m.map.name === COUNTERS_MAP);
  if (counters) out.push('counters:', ...counters.entries.map((e) => `  ${e.key[0]}: ${e.vals[0]}`));
  return out.length ? out.join('\n').replace(/\n+$/, '') + '\n' : '';
}

/** JSON-ready maps (bigints as numbers where safe, else decimal text). */
export function aggregatesJson(values: readonly MapValues[]): unknown[] {
  const num = (v: bigint): number | string => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : String(v));
  return values.map((m) => ({
    map: m.map.name,
    kind: m.map.kind,
    dropped: num(m.dropped),
    entries: m.entries.map((e) => ({
      key: e.key.map((k) => (typeof k === 'bigint' ? num(k) : k)),
      ...jsonValue(m.map, e.vals, num),
    })),
  }));
}

function jsonValue(map: PlanMap, vals: readonly bigint[], num: (v: bigint) => number | string): Record<string, unknown> {
  switch (map.kind) {
    case 'count':
      return { count: num(vals[0]!) };
    case 'sum':
      return { sum: num(vals[0]!) };
    case 'avg':
      return { count: num(vals[0]!), sum: num(vals[1]!), avg: num(vals[0] ? vals[1]! / vals[0]! : 0n) };
    case 'min':
    case 'max':
      return { count: num(vals[0]!), [map.kind]: num(vals[1]!) };
    case 'stats':
      return { count: num(vals[0]!), sum: num(vals[1]!), min: num(vals[2]!), max: num(vals[3]!), avg: num(vals[0] ? vals[1]! / vals[0]! : 0n) };
    case 'stap': {
      const log = stapLogView(map, vals);
      const linear = stapLinearView(map, vals);
      const buckets = (view: { map: PlanMap; vals: readonly bigint[] }) => {
        const labels = bucketLabels(view.map);
        return view.vals.slice(2).map((c, i) => ({ bucket: labels[i], count: num(c) })).filter((b) => b.count !== 0);
      };
      return {
        count: num(vals[0]!),
        sum: num(vals[1]!),
        min: num(vals[2]!),
        max: num(vals[3]!),
        avg: num(vals[0] ? vals[1]! / vals[0]! : 0n),
        buckets: buckets(log),
        ...(linear ? { linear_buckets: buckets(linear) } : {}),
      };
    }
    default: {
      const labels = bucketLabels(map);
      return { count: num(vals[0]!), sum: num(vals[1]!), buckets: vals.slice(2).map((c, i) => ({ bucket: labels[i], count: num(c) })).filter((b) => b.count !== 0) };
    }
  }
}
