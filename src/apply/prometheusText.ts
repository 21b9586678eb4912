// Prometheus' text exposition format (version 0.0.4) of loaded guru patches:
// per-probe stats, event accounting, knobs, count("key") counters and maps.
// Names follow Prometheus' conventions: a guru_ prefix, _total on counters,
// base units; one HELP and TYPE line per family, every patch's samples under
// it, told apart by the patch label (the spec's name).
import { COUNTERS_MAP, type PlanMap } from '../expr/aggregates.js';
import type { ManifestProbe } from '../render/manifest.js';
import type { MapValues } from './aggregateSnapshot.js';
import { bucketUpperBounds } from './formatAggregates.js';
import { stapLogView } from './stapAggregates.js';
import type { KnobState } from './knobs.js';
import type { ModuleStats } from './moduleStats.js';

/** What guru knows about one loaded patch when it writes its metrics. */
export interface PatchMetrics {
  /** The spec's name (the module without its guru_ prefix). */
  patch: string;
  stats: ModuleStats;
  /** From the module's manifest; undefined for a module built before manifests were served (probes then go by number). */
  probes?: readonly ManifestProbe[];
  knobs?: readonly KnobState[];
  aggregates?: readonly MapValues[];
}

type Labels = [string, string][];

interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  samples: { suffix?: string; labels: Labels; value: bigint | number }[];
}

/** A label value as the format escapes it: backslash, double quote and line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labelText(labels: Labels): string {
  return labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}` : '';
}

/** Map keys as labels: key="..." for one, key1, key2, ... for several. */
function keyLabels(map: PlanMap, key: readonly (bigint | string)[]): Labels {
  if (map.slots) return [];
  if (key.length === 1) return [['key', String(key[0])]];
  return key.map((k, i) => [`key${i + 1}`, String(k)]);
}

export function prometheusText(patches: readonly PatchMetrics[]): string {
  const families = new Map<string, Family>();
  const add = (name: string, type: Family['type'], help: string, labels: Labels, value: bigint | number, suffix?: string): void => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type, help, samples: [] }));
    f.samples.push({ labels, value, ...(suffix ? { suffix } : {}) });
  };
  // Declared in this order, so the output reads the same way every time.
  for (const p of patches) {
    const patch: Labels = [['patch', p.patch]];
    add('guru_patch_armed', 'gauge', 'Whether the patch is armed (1; detached patches too) or loaded but disarmed (0).', patch, p.stats.state === 'disarmed' ? 0 : 1);
    add('guru_events_emitted_total', 'counter', 'Event records the patch emitted.', patch, p.stats.emitted);
    add('guru_events_dropped_total', 'counter', 'Event records dropped because the per-CPU ring was full.', patch, p.stats.dropped);
    p.stats.probes.forEach((s, id) => {
      const on = p.probes?.find((m) => m.id === id)?.on;
      const labels: Labels = [...patch, ['probe', String(id)], ...(on !== undefined ? ([['on', on]] as Labels) : [])];
      add('guru_probe_hits_total', 'counter', 'Times the probe was hit while armed (where: misses included).', labels, s.hits);
      add('guru_probe_misses_total', 'counter', 'Hits the where: guard or the if: condition turned away (and hits while enabled=0).', labels, s.misses);
      add('guru_probe_writes_total', 'counter', 'Writes the probe made (arguments, return values, locals, memory).', labels, s.writes);
      add('guru_probe_nmissed_total', 'counter', 'Hits the kernel or the runtime could not run the probe for (kprobe nmissed, nested hits).', labels, s.nmissed);
      add('guru_probe_errors_total', 'counter', 'Probe runs abandoned on a fault (an unreadable address, division by zero, a full table).', labels, s.faults);
    });
    for (const k of p.knobs ?? []) add('guru_knob_value', 'gauge', "A knob's value (the built-in enabled, and the spec's params:).", [...patch, ['knob', k.name]], k.value);
    for (const m of p.aggregates ?? []) mapSamples(add, patch, m);
  }
  const out: string[] = [];
  for (const f of families.values()) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) out.push(`${f.name}${s.suffix ?? ''}${labelText(s.labels)} ${String(s.value)}`);
  }
  return out.length ? out.join('\n') + '\n' : '';
}

type Add = (name: string, type: Family['type'], help: string, labels: Labels, value: bigint | number, suffix?: string) => void;

/**
 * One map's samples. count("key") counters are guru_counter_total{counter};
 * a map's entries go by kind: count() in guru_map_count_total, sum/avg/min/max
 * (and stats' parts) in gauges, hist/lhist as Prometheus histograms
 * (cumulative buckets with le, then _sum and _count); SystemTap's `<<<`
 * aggregates as their power-of-two histogram and min/max/avg gauges.
 */
function mapSamples(add: Add, patch: Labels, m: MapValues): void {
  if (m.map.name === COUNTERS_MAP) {
    for (const e of m.entries) add('guru_counter_total', 'counter', 'count("NAME") counters of the patch.', [...patch, ['counter', String(e.key[0])]], e.vals[0]!);
    return;
  }
  const mapLabel: Labels = [...patch, ['map', m.map.name]];
  add('guru_map_dropped_total', 'counter', "New keys a map's per-CPU table was too full to take.", mapLabel, m.dropped);
  for (const e of m.entries) {
    const labels: Labels = [...mapLabel, ...keyLabels(m.map, e.key)];
    const v = e.vals;
    const avg = (count: bigint, sum: bigint): bigint => (count ? sum / count : 0n);
    switch (m.map.kind) {
      case 'count':
        add('guru_map_count_total', 'counter', 'count() maps: hits per key (and stats(): values per key).', labels, v[0]!);
        break;
      case 'sum':
        add('guru_map_sum', 'gauge', 'sum() maps: the sum per key (and stats(): the sum).', labels, v[0]!);
        break;
      case 'avg':
        add('guru_map_avg', 'gauge', 'avg() maps: the integer average per key (and stats(): the average).', labels, avg(v[0]!, v[1]!));
        break;
      case 'min':
        if (v[0]) add('guru_map_min', 'gauge', 'min() maps: the least value per key (and stats(): the least).', labels, v[1]!);
        break;
      case 'max':
        if (v[0]) add('guru_map_max', 'gauge', 'max() maps: the greatest value per key (and stats(): the greatest).', labels, v[1]!);
        break;
      case 'stats':
        add('guru_map_count_total', 'counter', 'count() maps: hits per key (and stats(): values per key).', labels, v[0]!);
        add('guru_map_sum', 'gauge', 'sum() maps: the sum per key (and stats(): the sum).', labels, v[1]!);
        add('guru_map_avg', 'gauge', 'avg() maps: the integer average per key (and stats(): the average).', labels, avg(v[0]!, v[1]!));
        if (v[0]) {
          add('guru_map_min', 'gauge', 'min() maps: the least value per key (and stats(): the least).', labels, v[2]!);
          add('guru_map_max', 'gauge', 'max() maps: the greatest value per key (and stats(): the greatest).', labels, v[3]!);
        }
        break;
      case 'hist':
      case 'lhist':
        histogramSamples(add, m.map, labels, v);
        break;
      case 'stap': {
        // SystemTap's <<<: its power-of-two histogram (with _sum and _count), and its least, greatest and average value.
        const log = stapLogView(m.map, v);
        histogramSamples(add, log.map, labels, log.vals);
        add('guru_map_avg', 'gauge', 'avg() maps: the integer average per key (and stats(): the average).', labels, avg(v[0]!, v[1]!));
        if (v[0]) {
          add('guru_map_min', 'gauge', 'min() maps: the least value per key (and stats(): the least).', labels, v[2]!);
          add('guru_map_max', 'gauge', 'max() maps: the greatest value per key (and stats(): the greatest).', labels, v[3]!);
        }
        break;
      }
    }
  }
}

/** A hist() or lhist() entry (count, sum, buckets) as a Prometheus histogram: cumulative buckets with le, then _sum and _count. */
function histogramSamples(add: Add, map: PlanMap, labels: Labels, v: readonly bigint[]): void {
  const help = 'hist() and lhist() maps: values per bucket (le: the largest integer in it).';
  const bounds = bucketUpperBounds(map);
  const buckets = v.slice(2);
  const last = buckets.reduce((l, c, i) => (c ? i : l), -1);
  let cumulative = 0n;
  buckets.forEach((c, i) => {
    cumulative += c;
    const le = bounds[i];
    if (i <= last && le !== undefined) add('guru_map_hist', 'histogram', help, [...labels, ['le', String(le)]], cumulative, '_bucket');
  });
  add('guru_map_hist', 'histogram', help, [...labels, ['le', '+Inf']], v[0]!, '_bucket');
  add('guru_map_hist', 'histogram', help, labels, v[1]!, '_sum');
  add('guru_map_hist', 'histogram', help, labels, v[0]!, '_count');
}
