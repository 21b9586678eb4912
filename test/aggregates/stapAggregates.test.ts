// SystemTap's statistics aggregates: `lat[execname()] <<< v` (a 'stap'
// map: count, sum, min, max and power-of-two buckets, plus the linear
// buckets of a @hist_linear the spec uses on it), its extractors in
// printf()/log()/print(), and what the supervisor shows of the merged
// values: the summary, --json, Prometheus, and the extractors' text.
import { buildPlan } from '../../src/plan/buildPlan.js';
import { parseSpec } from '../../src/parseSpec.js';
import { renderModule } from '../../src/render/renderModule.js';
import { parseExpression } from '../../src/expr/parseExpression.js';
import { HIST_BUCKETS, STAP_HIST_AT, type PlanMap } from '../../src/expr/aggregates.js';
import { mergeValues, type MapValues } from '../../src/apply/aggregateSnapshot.js';
import { aggregatesJson, formatAggregates } from '../../src/apply/formatAggregates.js';
import { extractValue } from '../../src/apply/stapAggregates.js';
import { prometheusText } from '../../src/apply/prometheusText.js';
import { showFormat } from '../../src/apply/showLogArgs.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';
import { refusalText } from '../helpers/specRefusal.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheusParse.js';

const spec = (body: string, head = ''): string => `guru: 1\nname: stap\n${head}probes:\n${body}`;
const plan = (text: string) => buildPlan(parseSpec('spec.yaml', text), fakeKernelFacts());
const refused = (text: string): string => refusalText(() => plan(text));

test('<<< is an operator below every other, and << is still a shift', () => {
  const n = parseExpression('lat[execname(), pid] <<< $a << 2 | 1') as unknown as { operator: string; left: { type: string; arguments: unknown[] }; right: { operator: string } };
  expect(n.operator).toBe('<<<');
  expect(n.left.type).toBe('CallExpression');
  expect(n.left.arguments).toHaveLength(2);
  expect(n.right.operator).toBe('|');
  expect((parseExpression('x << 3') as unknown as { operator: string }).operator).toBe('<<');
  // An array index that <<< does not follow stays one.
  expect(parseExpression('p[1] + 2').type).toBe('BinaryExpression');
});

const stapSpec = spec(
  [
    '  - on: syscall:read:return',
    '    do:',
    '      - lat[execname()] <<< $return',
    '      - "@sizes <<< $count"',
    '      - all <<< 1',
    '  - on: end',
    '    do:',
    '      - printf("reads %d avg %d min %d max %d sum %d\\n", @count(lat["cat"]), @avg(lat["cat"]), @min(lat["cat"]), @max(lat["cat"]), @sum(lat["cat"]))',
    '      - print(@hist_log(lat["cat"]))',
    '      - print(@hist_linear(@sizes, 0, 100, 10))',
    '      - log(@hist_log(all))',
    '      - println(@count(all), " reads")',
    '',
  ].join('\n'),
);

test('<<< makes a stap map; @hist_linear gives it linear buckets too; extractors print from the supervisor', () => {
  const p = plan(stapSpec);
  expect((p.maps ?? []).map((m) => [m.name, m.kind, m.keys.map((k) => k.type), m.lhist ?? null])).toEqual([
    ['@lat', 'stap', ['string'], null],
    ['@sizes', 'stap', [], { min: '0', max: '100', step: '10' }],
    ['@all', 'stap', [], null],
  ]);
  const c = renderModule(p).files['probes.c']!;
  expect(c).toContain(`{ .name = "@lat", .kind = GURU_AGG_STAP, .key_size = 16, .nvals = ${STAP_HIST_AT + HIST_BUCKETS}, .capacity = 1024 }`);
  expect(c).toContain(`{ .name = "@sizes", .kind = GURU_AGG_STAP, .dense = true, .key_size = 0, .nvals = ${STAP_HIST_AT + HIST_BUCKETS + 12}, .capacity = 1, .lmin = 0, .lstep = 10 }`);
  expect(c).toContain('guru_agg_key_str(ctx, guru_comm(ctx, 0), 16);\n\tguru_agg_add(ctx, 0 /* @lat */, ');
  // The extractors record nothing: the end probe's printf has no arguments in its record.
  const fmts = p.formats.filter((f) => f.args.some((a) => typeof a === 'object' && 'extract' in a));
  expect(fmts.map((f) => [f.fmt, f.args.map((a) => (typeof a === 'object' && 'extract' in a ? `${a.extract}(${a.map}[${a.key.map((k) => k.value).join(',')}])` : a))])).toEqual([
    ['reads %d avg %d min %d max %d sum %d\n', ['count(@lat[cat])', 'avg(@lat[cat])', 'min(@lat[cat])', 'max(@lat[cat])', 'sum(@lat[cat])']],
    ['%s', ['hist_log(@lat[cat])']],
    ['%s', ['hist_linear(@sizes[])']],
    ['%s', ['hist_log(@all[])']],
    ['%d%s\n', ['count(@all[])', 'string']],
  ]);
});

test('misuse is refused where it is written, with a hint', () => {
  expect(
    refused(
      spec(
        [
          '  - on: syscall:read:return',
          '    if: "@count(lat) > 1"',
          '    do:',
          '      - lat[comm] <<< $return',
          '      - "@lat[comm] = count()"',
          '      - "@h = hist($return)"',
          '      - "@n[comm] = count()"',
          '      - "@n[comm] <<< 1"',
          '      - orig <<< 1',
          '      - pid <<< 1',
          '      - x = @avg(lat["cat"])',
          '      - x = 1 + (lat <<< 2)',
          '      - lat = count()',
          '      - lat[comm] += 1',
          '      - "@count(lat)"',
          '  - on: end',
          '    do:',
          '      - print(@hist_log(@h))',
          '      - printf("%d\\n", @count(nobody))',
          '      - printf("%d\\n", @count(lat[comm]))',
          '      - printf("%d\\n", @count(lat[1]))',
          '      - printf("%d\\n", @count(lat["a"]) + 1)',
          '      - print(@hist_linear(lat["a"], 0, 100, 10))',
          '      - print(@hist_linear(lat["a"], 0, 50, 5))',
          '      - print(@count(lat["a"]))',
          '      - printf("%s\\n", @avg(lat["a"]))',
          '      - printf("%d\\n", @cnt(lat["a"]))',
          '      - print(@hist_linear(lat["a"], 0, $x, 1))',
          '',
        ].join('\n'),
        'vars:\n  orig: { type: u64 }\n  x: { type: u64 }\n',
      ),
    ),
  ).toMatchSnapshot();
});

// Merged values, as aggregateSnapshot.ts gives them (kmod/guru_agg.c's GURU_AGG_STAP words).
const lat: PlanMap = { id: 0, name: '@lat', kind: 'stap', keys: [{ type: 'string', size: 16 }], capacity: 8, line: 5 };
const sizes: PlanMap = { id: 1, name: '@sizes', kind: 'stap', keys: [], capacity: 1, slots: [''], lhist: { min: '0', max: '100', step: '10' }, line: 6 };

/** The words of one CPU's entry after adding VS one by one, as the kernel does. */
function entryAfter(map: PlanMap, vs: bigint[]): bigint[] {
  const linear = map.lhist ? Number((BigInt(map.lhist.max) - BigInt(map.lhist.min)) / BigInt(map.lhist.step)) + 2 : 0;
  const vals = Array.from({ length: STAP_HIST_AT + HIST_BUCKETS + linear }, () => 0n);
  for (const v of vs) {
    if (!vals[0] || v < vals[2]!) vals[2] = v;
    if (!vals[0] || v > vals[3]!) vals[3] = v;
    vals[0]! += 1n;
    vals[1]! += v;
    const b = v < 0n ? 0 : v === 0n ? 1 : 2 + v.toString(2).length - 1;
    vals[STAP_HIST_AT + b]! += 1n;
    if (map.lhist) {
      const lo = BigInt(map.lhist.min);
      const step = BigInt(map.lhist.step);
      const lb = v < lo ? 0 : Math.min(Number((v - lo) / step) + 1, linear - 1);
      vals[STAP_HIST_AT + HIST_BUCKETS + lb]! += 1n;
    }
  }
  return vals;
}

const values: MapValues[] = [
  {
    map: lat,
    dropped: 0n,
    entries: [
      { key: ['cat'], vals: mergeValues(lat, entryAfter(lat, [1n, 3n, 700n]), entryAfter(lat, [5n, 64n, 65n, 1000n])) },
      { key: ['ls'], vals: entryAfter(lat, [0n]) },
      { key: ['a_very_long_com'], vals: entryAfter(lat, [2n, 2n]) },
    ],
  },
  { map: sizes, dropped: 0n, entries: [{ key: [''], vals: mergeValues(sizes, entryAfter(sizes, [5n, 15n, 15n]), entryAfter(sizes, [-1n, 99n, 100n, 250n])) }] },
];

test('two CPUs merge to the statistics of all the values', () => {
  expect(values[0]!.entries[0]!.vals.slice(0, 4)).toEqual([7n, 1838n, 1n, 1000n]);
  expect(values[1]!.entries[0]!.vals.slice(0, 4)).toEqual([7n, 483n, -1n, 250n]);
  expect(mergeValues(lat, entryAfter(lat, []), entryAfter(lat, [4n]))).toEqual(entryAfter(lat, [4n]));
});

test('the summary shows count, min, max, average and total, then the histograms', () => {
  expect(formatAggregates(values)).toMatchSnapshot();
  expect(formatAggregates(values, { top: 1 })).toContain('@lat: 2 more keys (--top 1)');
  expect(formatAggregates(values, { top: 1 })).toMatch(/^@lat\[cat\]: count 7/);
});

test('--json and Prometheus have them', () => {
  expect(aggregatesJson(values)).toMatchSnapshot();
  const text = prometheusText([{ patch: 'stap', stats: { state: 'armed', emitted: 0, dropped: 0, nested: 0, tvarOverflow: 0, tvarEntries: 0, tvarCapacity: 0, tvarExitMissed: 0, wildcardSkipped: 0, wildcards: [], probes: [] }, probes: [], aggregates: values }]);
  const families = parsePrometheus(text);
  const cat = { patch: 'stap', map: '@lat', key: 'cat' };
  expect([sampleValue(families, 'guru_map_min', cat), sampleValue(families, 'guru_map_max', cat), sampleValue(families, 'guru_map_avg', cat)]).toEqual(['1', '1000', '262']);
  // A Prometheus histogram of the power-of-two buckets, with count and sum (read from the lines: the parser folds labelled histograms).
  const series = (labels: string) => text.split('\n').filter((l) => l.startsWith('guru_map_hist_') && l.includes(labels)).map((l) => l.replace(/\{.*?(,le="([^"]+)")?\}/, ' $2').replace(/ +/g, ' '));
  expect(series('map="@lat",key="cat"')).toEqual([
    'guru_map_hist_bucket -1 0', 'guru_map_hist_bucket 0 0', 'guru_map_hist_bucket 1 1', 'guru_map_hist_bucket 3 2', 'guru_map_hist_bucket 7 3',
    'guru_map_hist_bucket 15 3', 'guru_map_hist_bucket 31 3', 'guru_map_hist_bucket 63 3', 'guru_map_hist_bucket 127 5', 'guru_map_hist_bucket 255 5', 'guru_map_hist_bucket 511 5', 'guru_map_hist_bucket 1023 7',
    'guru_map_hist_bucket +Inf 7', 'guru_map_hist_sum 1838', 'guru_map_hist_count 7',
  ]);
});

test('extractors read one key of the snapshot; the histograms print in SystemTap\'s layout', () => {
  const x = (extract: 'count' | 'sum' | 'min' | 'max' | 'avg' | 'hist_log' | 'hist_linear', key: string[] = ['cat'], map = '@lat') => extractValue(values, { extract, map, key: key.map((value) => ({ type: 'string', value })) });
  expect([x('count'), x('sum'), x('min'), x('max'), x('avg')]).toEqual([7n, 1838n, 1n, 1000n, 262n]);
  expect([x('count', ['nobody']), x('avg', ['nobody']), x('hist_log', ['nobody'])]).toEqual([0n, 0n, '']);
  // A key longer than the map keeps (comm: 15 bytes) matches what the kernel kept of it.
  expect(x('count', ['a_very_long_command'])).toBe(2n);
  expect(x('hist_log')).toMatchSnapshot();
  expect(x('hist_log', ['ls'])).toMatchSnapshot();
  expect(x('hist_linear', [], '@sizes')).toMatchSnapshot();
  const shown = showFormat('reads %d avg %d\n', [{ extract: 'count', map: '@lat', key: [{ type: 'string', value: 'cat' }] }, { extract: 'avg', map: '@lat', key: [{ type: 'string', value: 'cat' }] }], [], 0, {
    symbols: { lookup: () => undefined },
    errnoNames: {},
    maps: () => values,
  });
  expect(shown.text).toBe('reads 7 avg 262\n');
});
