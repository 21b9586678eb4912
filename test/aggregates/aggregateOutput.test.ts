// What the supervisor makes of the kernel's aggregate snapshot
// (kmod/guru_agg.c's layout, built here by hand): the CPUs merged, the
// summary's text in bpftrace's shape, --json, and the Prometheus text of
// guru metrics, which a real parser must accept.
import { entryBytes, HIST_BUCKETS, type PlanMap } from '../../src/expr/aggregates.js';
import { parseAggregateSnapshot } from '../../src/apply/aggregateSnapshot.js';
import { aggregatesJson, formatAggregates } from '../../src/apply/formatAggregates.js';
import { escapeLabelValue, prometheusText } from '../../src/apply/prometheusText.js';
import type { ModuleStats } from '../../src/apply/moduleStats.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheusParse.js';

const maps: PlanMap[] = [
  { id: 0, name: '@opens', kind: 'count', keys: [{ type: 'string', size: 16 }], capacity: 8, line: 5 },
  { id: 1, name: '@bytes', kind: 'sum', keys: [{ type: 'string', size: 16 }, { type: 'int' }], capacity: 8, line: 6 },
  { id: 2, name: 'count()', kind: 'count', keys: [], capacity: 2, slots: ['blocked', 'allowed'], line: 7 },
  { id: 3, name: '@lo', kind: 'min', keys: [], capacity: 1, slots: [''], line: 8 },
  { id: 4, name: '@lat', kind: 'hist', keys: [{ type: 'int' }], capacity: 8, line: 9 },
  { id: 5, name: '@s', kind: 'stats', keys: [], capacity: 1, slots: [''], line: 10 },
  { id: 6, name: '@l', kind: 'lhist', keys: [], capacity: 1, slots: [''], lhist: { min: '0', max: '30', step: '10' }, line: 11 },
];

type Entry = { cpu: number; index: number; key: (string | bigint)[]; vals: bigint[] };

/** The bytes guru_agg_open returns for these entries. */
function snapshot(perMap: { dropped?: bigint; entries: Entry[] }[]): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(16);
  head.writeUInt32LE(0x41525547, 0);
  head.writeUInt16LE(1, 4);
  head.writeUInt16LE(perMap.length, 6);
  head.writeUInt32LE(2, 8);
  parts.push(head);
  perMap.forEach((m, i) => {
    const map = maps[i]!;
    const size = entryBytes(map);
    const h = Buffer.alloc(16);
    h.writeBigUInt64LE(m.dropped ?? 0n, 0);
    h.writeUInt32LE(m.entries.length, 8);
    h.writeUInt32LE(size, 12);
    parts.push(h);
    for (const e of m.entries) {
      const b = Buffer.alloc(size);
      b.writeUInt32LE(e.cpu, 0);
      b.writeUInt32LE(e.index, 4);
      let at = 8;
      map.keys.forEach((k, j) => {
        if (k.type === 'int') b.writeBigInt64LE(e.key[j] as bigint, at);
        else b.write(e.key[j] as string, at, 'utf8');
        at += k.type === 'int' ? 8 : k.size;
      });
      e.vals.forEach((v) => {
        b.writeBigInt64LE(v, at);
        at += 8;
      });
      parts.push(b);
    }
  });
  return Buffer.concat(parts);
}

const hist = (buckets: Record<number, bigint>, sum: bigint): bigint[] => {
  const b = Array.from({ length: HIST_BUCKETS }, (_, i) => buckets[i] ?? 0n);
  return [b.reduce((a, c) => a + c, 0n), sum, ...b];
};

const values = parseAggregateSnapshot(
  snapshot([
    {
      dropped: 3n,
      entries: [
        { cpu: 0, index: 0, key: ['cat'], vals: [5n] },
        { cpu: 0, index: 1, key: ['ls'], vals: [1n] },
        { cpu: 1, index: 0, key: ['cat'], vals: [2n] },
        { cpu: 1, index: 1, key: ['say "hi"\\'], vals: [9n] },
      ],
    },
    { entries: [{ cpu: 0, index: 0, key: ['cat', 12n], vals: [4096n] }, { cpu: 1, index: 0, key: ['cat', 12n], vals: [100n] }, { cpu: 1, index: 1, key: ['cat', 13n], vals: [-5n] }] },
    { entries: [0, 1].flatMap((cpu) => [{ cpu, index: 0, key: [], vals: [BigInt(3 + cpu)] }, { cpu, index: 1, key: [], vals: [0n] }]) },
    { entries: [{ cpu: 0, index: 0, key: [], vals: [0n, 0n] }, { cpu: 1, index: 0, key: [], vals: [2n, -7n] }] },
    { entries: [{ cpu: 0, index: 0, key: [1n], vals: hist({ 1: 1n, 2: 2n, 5: 4n }, 30n) }, { cpu: 1, index: 0, key: [1n], vals: hist({ 5: 4n }, 24n) }] },
    { entries: [{ cpu: 0, index: 0, key: [], vals: [2n, 10n, 3n, 7n] }, { cpu: 1, index: 0, key: [], vals: [1n, 1n, 1n, 1n] }] },
    { entries: [{ cpu: 0, index: 0, key: [], vals: [3n, 45n, 1n, 0n, 2n, 0n, 0n] }] },
  ]),
  maps,
);

test('entries of one key on several CPUs are merged', () => {
  expect(values.map((v) => [v.map.name, v.dropped, v.entries.map((e) => [e.key.map(String).join(','), e.vals.map(String).join(' ')])])).toEqual([
    ['@opens', 3n, [['cat', '7'], ['ls', '1'], ['say "hi"\\', '9']]],
    ['@bytes', 0n, [['cat,12', '4196'], ['cat,13', '-5']]],
    ['count()', 0n, [['blocked', '7'], ['allowed', '0']]],
    ['@lo', 0n, [['', '2 -7']]],
    ['@lat', 0n, [['1', `11 54 0 1 2 0 0 8${' 0'.repeat(HIST_BUCKETS - 6)}`]]],
    ['@s', 0n, [['', '3 11 1 7']]],
    ['@l', 0n, [['', '3 45 1 0 2 0 0']]],
  ]);
});

test('the summary prints maps as bpftrace does, then the counters', () => {
  expect(formatAggregates(values)).toMatchSnapshot();
  expect(formatAggregates(values, { top: 1 })).toContain('@opens[say "hi"\\]: 9\n@opens: 2 more keys (--top 1)');
});

test("on a terminal a histogram's bar fills the line: the largest bucket's bar ends at the last column, the others in proportion", () => {
  for (const columns of [80, 132, 40]) {
    const lines = formatAggregates(values, { columns }).split('\n').filter((l) => / \|[@ ]*\|$/.test(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l.length).toBe(columns);
    // @lat[1] is 1 in [0], 2 in [1], 8 in [8, 16): the bars are as 1 : 2 : 8 of the widest (rounded down).
    const lat = formatAggregates(values, { columns }).split('@lat[1]:\n')[1]!.split('\n').slice(0, 5);
    const bars = lat.filter((l) => l.includes('|')).map((l) => /\|(@*) *\|$/.exec(l)![1]!.length);
    const widest = Math.max(...bars);
    expect(widest).toBe(lat[0]!.length - lat[0]!.indexOf('|') - 2);
    expect(bars).toEqual([Math.floor(widest / 8), Math.floor((widest * 2) / 8), 0, 0, widest]);
  }
  // A terminal too narrow for the labels keeps a bar of 10; without a terminal bpftrace's 52.
  expect(formatAggregates(values, { columns: 20 })).toMatch(/\|@{10}\|/);
  expect(formatAggregates(values)).toMatch(/\|@{52}\|/);
});

test('--json gives every map with its values', () => {
  expect(aggregatesJson(values)).toMatchSnapshot();
});

const stats: ModuleStats = {
  state: 'armed', emitted: 10, dropped: 1, nested: 0, tvarOverflow: 0, tvarEntries: 0, tvarCapacity: 0, tvarExitMissed: 0, wildcardSkipped: 0, wildcards: [],
  probes: [{ hits: 12, misses: 2, writes: 3, faults: 1, nmissed: 0 }, { hits: 5, misses: 0, writes: 0, faults: 0, nmissed: 4 }],
};

test('guru metrics: Prometheus text a real parser reads back, with the values and labels it was given', () => {
  const text = prometheusText([
    {
      patch: 'opens',
      stats,
      probes: [{ id: 0, on: 'syscall:openat', canonical: 'syscall:openat', kind: 'syscall', line: 4 }, { id: 1, on: 'kprobe:do_sys_open', canonical: 'kprobe:do_sys_open', kind: 'kprobe', line: 8 }],
      knobs: [{ name: 'enabled', type: 'bool', min: 0n, max: 1n, value: 1n }, { name: 'fix', type: 's64', min: 0n, max: 1n, value: 0n }],
      aggregates: values,
    },
    { patch: 'other', stats: { ...stats, state: 'disarmed', probes: [{ hits: 1, misses: 0, writes: 0, faults: 0, nmissed: 0 }] } },
  ]);
  expect(text).toMatchSnapshot();
  const families = parsePrometheus(text);
  // One HELP and TYPE per family, whatever the number of patches.
  expect(families.map((f) => f.name)).toEqual([...new Set(families.map((f) => f.name))]);
  const type = (name: string) => families.find((f) => f.name === name)?.type;
  expect([type('guru_probe_hits_total'), type('guru_counter_total'), type('guru_map_sum'), type('guru_map_hist')]).toEqual(['COUNTER', 'COUNTER', 'GAUGE', 'HISTOGRAM']);
  expect(sampleValue(families, 'guru_probe_hits_total', { patch: 'opens', probe: '1', on: 'kprobe:do_sys_open' })).toBe('5');
  expect(sampleValue(families, 'guru_probe_nmissed_total', { patch: 'opens', probe: '1' })).toBe('4');
  expect(sampleValue(families, 'guru_probe_hits_total', { patch: 'other', probe: '0' })).toBe('1');
  expect(sampleValue(families, 'guru_patch_armed', { patch: 'other' })).toBe('0');
  expect(sampleValue(families, 'guru_events_dropped_total', { patch: 'opens' })).toBe('1');
  expect(sampleValue(families, 'guru_knob_value', { patch: 'opens', knob: 'fix' })).toBe('0');
  expect(sampleValue(families, 'guru_counter_total', { patch: 'opens', counter: 'blocked' })).toBe('7');
  expect(sampleValue(families, 'guru_counter_total', { patch: 'opens', counter: 'allowed' })).toBe('0');
  // Label values come back unescaped: the parser reads the escapes the format defines.
  expect(sampleValue(families, 'guru_map_count_total', { map: '@opens', key: 'say "hi"\\' })).toBe('9');
  expect(sampleValue(families, 'guru_map_sum', { map: '@bytes', key1: 'cat', key2: '13' })).toBe('-5');
  expect(sampleValue(families, 'guru_map_dropped_total', { map: '@opens' })).toBe('3');
  expect(sampleValue(families, 'guru_map_min', { map: '@lo' })).toBe('-7');
  expect(sampleValue(families, 'guru_map_count_total', { map: '@s' })).toBe('3');
  expect(sampleValue(families, 'guru_map_max', { map: '@s' })).toBe('7');
  // The parser folds every series of a histogram into one (its flattenMetrics keeps labelled histograms apart only by le): read them from the lines.
  const series = (labels: string) => text.split('\n').filter((l) => l.startsWith(`guru_map_hist_`) && l.includes(labels)).map((l) => l.replace(/\{.*?(,le="([^"]+)")?\}/, ' $2').replace(/ +/g, ' '));
  // Cumulative buckets, le the largest integer in each: [0] is 0, [1] is 1, [8, 16) ends at 15.
  expect(series('map="@lat",key="1"')).toEqual(['guru_map_hist_bucket -1 0', 'guru_map_hist_bucket 0 1', 'guru_map_hist_bucket 1 3', 'guru_map_hist_bucket 3 3', 'guru_map_hist_bucket 7 3', 'guru_map_hist_bucket 15 11', 'guru_map_hist_bucket +Inf 11', 'guru_map_hist_sum 54', 'guru_map_hist_count 11']);
  expect(series('map="@l"')).toEqual(['guru_map_hist_bucket -1 1', 'guru_map_hist_bucket 9 1', 'guru_map_hist_bucket 19 3', 'guru_map_hist_bucket +Inf 3', 'guru_map_hist_sum 45', 'guru_map_hist_count 3']);
});

test('label values are escaped as the format says', () => {
  expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  expect(() => parsePrometheus('guru_x{a="b} 1\n')).toThrow('not a line of the text format');
});
