// SystemTap's statistics in a real kernel, as its articles write them
// (test/fixtures/runtime/stap-stats.yaml): `lat[execname()] <<< $return` at
// syscall.read.return, while a static program reads /dev/zero with sizes
// the test chooses, and an end probe that prints @count, @avg, @min, @max,
// @sum and the @hist_log and @hist_linear histograms of its key. On 2
// vCPUs, so the per-CPU tables are merged. The end probe's lines must give
// exactly the numbers of the workload and put each size in its bucket, and
// the summary and the --metrics-file say the same.
import fs from 'node:fs';
import { buildFor, compileProgram, describeOnFirstKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheusParse.js';

/** A SystemTap histogram's rows with a count above 0: label -> count. */
function histogramRows(text: string): Record<string, number> {
  const rows: Record<string, number> = {};
  for (const m of text.matchAll(/^ *(\S+) \|@* *(\d+)$/gm)) if (Number(m[2]) > 0) rows[m[1]!] = Number(m[2]);
  return rows;
}

describeOnFirstKernel((storedKernel) => {
  test('lat[execname()] <<< $return: @count, @avg, @min, @max, @sum and the histograms of the reads, from an end probe', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const ko = await buildFor(kernel, 'test/fixtures/runtime/stap-stats.yaml');
      const reader = await compileProgram('zeroreads.c', dir, 'stap_reader', ['-static']);
      const sizes = [0, 1, 3, 100, 700, 700, 4096, 5000];
      const run = await runGuestScript(
        kernel,
        [
          `${guruCommand()} apply ${ko} -o /tmp/events --metrics-file /tmp/final.prom --run '${reader} ${sizes.join(' ')}' > /dev/null 2> /tmp/summary; echo "[exit:$?]<<"`,
          showFile('events', '/tmp/events'),
          showFile('summary', '/tmp/summary'),
          showFile('final', '/tmp/final.prom'),
        ].join('\n'),
        { cpus: 2 },
      );
      const seen = markers(run.stdout);
      expect(seen.get('exit')).toBe('0');
      const events = seen.get('events')!;
      const sum = sizes.reduce((a, b) => a + b, 0);
      const avg = Math.floor(sum / sizes.length);
      expect(events).toContain(`reads ${sizes.length} avg ${avg}\n`);
      expect(events).toContain(`min ${Math.min(...sizes)} max ${Math.max(...sizes)} sum ${sum}\n`);
      // @hist_log, then @hist_linear(..., 0, 1000, 100): each starts with SystemTap's header and ends with an empty line.
      const [log, linear] = events.split(/^ *value \|-{50} count$/m).slice(1);
      // Power-of-two buckets labelled by their least value: 3 in [2, 4), 700 in [512, 1024), 5000 in [4096, 8192).
      const pow2 = (v: number): string => (v === 0 ? '0' : String(2 ** Math.floor(Math.log2(v))));
      const expectRows = (label: (v: number) => string) => sizes.reduce<Record<string, number>>((r, v) => ({ ...r, [label(v)]: (r[label(v)] ?? 0) + 1 }), {});
      expect(histogramRows(log!)).toEqual(expectRows(pow2));
      expect(histogramRows(linear!)).toEqual(expectRows((v) => (v >= 1000 ? '>=1000' : String(Math.floor(v / 100) * 100))));
      expect(histogramRows(linear!)).toEqual({ '0': 3, '100': 1, '700': 2, '>=1000': 2 });
      const summary = seen.get('summary')!;
      expect(summary).toContain(`@lat[stap_reader]: count ${sizes.length}, min 0, max 5000, average ${avg}, total ${sum}\n`);
      const families = parsePrometheus(seen.get('final')!);
      expect(sampleValue(families, 'guru_map_max', { patch: 'stap_stats', map: '@lat', key: 'stap_reader' })).toBe('5000');
      expect(seen.get('final')).toContain(`guru_map_hist_count{patch="stap_stats",map="@lat",key="stap_reader"} ${sizes.length}\n`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
