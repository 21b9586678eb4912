// bench/RESULTS.md's layout, from a results object made up here (no
// benchmark runs: benchmarks are not part of the test suite).
import { formatResults, ratioOf } from '../../bench/results/formatResults.js';
import type { BenchResults } from '../../bench/results/types.js';

const results: BenchResults = {
  date: '2026-12-03T07:00:00.000Z',
  quick: false,
  machine: { cpu: 'AMD EPYC', cores: 2, accelerator: 'TCG (no vmx/svm flag)', node: 'v20.19.0' },
  kernels: [{ ref: 'debian:6.1', release: '6.1.0-57-amd64', packageVersion: '6.1.192-3' }],
  tools: [
    { name: 'guru', version: '0.1.0 (abc1234)' },
    { name: 'bpftrace', version: '0.27.1-1' },
  ],
  sections: [
    {
      title: 'Probe overhead',
      how: ['guest instructions under -icount shift=0,sleep=off', '3 runs, conditions interleaved, one boot'],
      load: { before: 4.5, after: 6.25 },
      tables: [
        {
          caption: 'added guest instructions per write(2)',
          unit: 'insns',
          digits: 0,
          rows: [
            { name: 'floor kprobe', samples: [100, 102, 101] },
            { name: 'guru miss', samples: [104, 105, 106], vs: 'floor kprobe' },
            { name: 'stap', samples: [], note: 'stap -p4 failed: semantic error | no match' },
          ],
        },
      ],
      targets: [
        { text: 'guru guard-miss <= 1.10x the floor', figure: '1.04x', holds: true },
        { text: 'guru <= stap', figure: '-', holds: undefined, why: 'stap built no module' },
        { text: 'guru <= bpftrace', figure: '2.00x bpftrace', holds: false, why: 'because' },
      ],
      notes: ['stap -p4 said:\nsemantic error: no match\nPass 2: analysis failed.'],
    },
  ],
};

test('RESULTS.md: header, targets table, sections with runs, min, median and ratios', () => {
  expect(formatResults(results)).toMatchSnapshot();
});

test('a quick run says so', () => {
  expect(formatResults({ ...results, quick: true })).toContain('**Quick run**');
});

test('ratio of medians names its baseline, and is empty without one', () => {
  const rows = results.sections[0]!.tables[0]!.rows;
  expect(ratioOf(rows[1]!, rows)).toBe('1.04x floor kprobe');
  expect(ratioOf(rows[0]!, rows)).toBe('');
  expect(ratioOf({ name: 'x', samples: [1], vs: 'stap' }, rows)).toBe('');
});
