// Maps and counters in a real kernel, on a known workload: two programs
// open /dev/null 25 and 40 times; bpftrace's @[comm] = count() and a
// count("devnull") counter must say exactly that, in the session's summary,
// in guru metrics run while the patch is armed, over --metrics-port's
// /metrics and in the final --metrics-file, each of the three read by a
// Prometheus text parser. On 2 vCPUs, so the per-CPU tables are merged.
// In the same boot, six programs of distinct names open it 50 to 100 times
// and --top 5 shows exactly the five that opened it most, with their counts.
// In a boot of its own (guest clock counting instructions, so a sleep lasts
// its time however loaded the host is): @lat[comm] = hist(nsecs - start) of
// vfs_read, where a test program's reads block 20 ms and 200 ms, shows each
// read in the power-of-two bucket of its sleep and nothing else.
// print(@x), print(@x, N) and clear(@x) run from probes, in the order of the
// event stream: what a map held at each point, and nothing after a clear.
import fs from 'node:fs';
import path from 'node:path';
import { buildFor, compileProgram, describeOnFirstKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheusParse.js';

describeOnFirstKernel((storedKernel) => {
  test('@[comm] = count() and count("devnull") count every open, merged over the CPUs, and guru metrics says so; --top 5 shows the five largest', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const ko = await buildFor(kernel, 'test/fixtures/runtime/count-opens.yaml');
      const a = await compileProgram('opener.c', dir, 'opener');
      const b = await compileProgram('opener.c', dir, 'opener_b');
      const guru = guruCommand();
      fs.writeFileSync(path.join(dir, 'fetch.mjs'), "const r = await fetch('http://127.0.0.1:9464/metrics'); process.stdout.write(await r.text());\n");
      fs.writeFileSync(
        path.join(dir, 'work.sh'),
        [`${a} 25`, `${b} 40`, `${guru} metrics count_opens > /tmp/live.prom`, `${process.execPath} ${dir}/fetch.mjs > /tmp/http.prom`].join('\n') + '\n',
      );
      // Run in an order that is not the order of their counts.
      const six: [string, number][] = [['op_seventy', 70], ['op_fifty', 50], ['op_hundred', 100], ['op_sixty', 60], ['op_ninety', 90], ['op_eighty', 80]];
      for (const [name] of six) await compileProgram('opener.c', dir, name);
      fs.writeFileSync(path.join(dir, 'six.sh'), six.map(([name, n]) => `${dir}/${name} ${n}`).join('\n') + '\n');
      const run = await runGuestScript(
        kernel,
        [
          `${guru} apply ${ko} --metrics-file /tmp/final.prom --metrics-port 9464 --run 'sh ${dir}/work.sh' > /dev/null 2> /tmp/summary; echo "[exit:$?]<<"`,
          showFile('summary', '/tmp/summary'),
          showFile('live', '/tmp/live.prom'),
          showFile('http', '/tmp/http.prom'),
          showFile('final', '/tmp/final.prom'),
          `printf '[tmp:%s]<<\\n' "$(ls /tmp | grep -c 'final.prom.*tmp')"`,
          `${guru} apply ${ko} --top 5 --run 'sh ${dir}/six.sh' > /dev/null 2> /tmp/top; echo "[top-exit:$?]<<"`,
          showFile('top', '/tmp/top'),
        ].join('\n'),
        { cpus: 2 },
      );
      const seen = markers(run.stdout);
      expect(seen.get('exit')).toBe('0');
      const summary = seen.get('summary')!;
      expect(summary).toContain('@[opener]: 25\n');
      expect(summary).toContain('@[opener_b]: 40\n');
      expect(summary).toContain('counters:\n  devnull: ');
      for (const name of ['live', 'http', 'final']) {
        const families = parsePrometheus(seen.get(name)!);
        expect([name, sampleValue(families, 'guru_map_count_total', { patch: 'count_opens', map: '@', key: 'opener' })]).toEqual([name, '25']);
        expect([name, sampleValue(families, 'guru_map_count_total', { patch: 'count_opens', map: '@', key: 'opener_b' })]).toEqual([name, '40']);
        expect([name, sampleValue(families, 'guru_map_dropped_total', { patch: 'count_opens', map: '@' })]).toEqual([name, '0']);
        // Every open of /dev/null by any process (sh's redirections too): at least the programs' 65.
        const devnull = Number(sampleValue(families, 'guru_counter_total', { patch: 'count_opens', counter: 'devnull' }));
        expect([name, devnull >= 65]).toEqual([name, true]);
        expect([name, sampleValue(families, 'guru_patch_armed', { patch: 'count_opens' })]).toEqual([name, name === 'final' ? '0' : '1']);
        if (name === 'final') {
          expect(summary).toContain(`counters:\n  devnull: ${devnull}\n`);
        }
      }
      expect(seen.get('tmp')).toBe('0');
      // --top 5: the five largest, smallest first (bpftrace's order), and how many keys it left out
      // (op_fifty, and any other process that opened /dev/null: sh's redirections).
      expect(seen.get('top-exit')).toBe('0');
      const top = seen.get('top')!;
      const expected = [...six].sort((x, y) => y[1] - x[1]).slice(0, 5).reverse().map(([name, n]) => `@[${name}]: ${n}`);
      expect(top.split('\n').filter((l) => l.startsWith('@['))).toEqual(expected);
      expect(top).toMatch(/^@: [1-9]\d* more keys \(--top 5\)$/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);

  test('print(@opens), print(@opens, 1) and clear(@opens) from probes show the map so far and empty it', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const ko = await buildFor(kernel, 'test/fixtures/runtime/map-print.yaml');
      const a = await compileProgram('opener.c', dir, 'opener_a');
      const b = await compileProgram('opener.c', dir, 'opener_b');
      const report = await compileProgram('getpid_loop.c', dir, 'report');
      const top = await compileProgram('getpid_loop.c', dir, 'report_top');
      // Each step waits for the log() that follows the map op in the event stream,
      // so the next opens come after the supervisor has printed (and cleared).
      const waitFor = (word: string, n: number) =>
        `i=0; until [ "$(grep -c '^${word}$' /tmp/events 2>/dev/null)" -ge ${n} ] || [ $i -ge 600 ]; do sleep 0.05; i=$((i+1)); done`;
      fs.writeFileSync(
        path.join(dir, 'flow.sh'),
        [`${a} 25`, `${report} 1`, waitFor('cleared', 1), `${b} 40`, `${a} 5`, `${top} 1`, waitFor('printed', 1), `${report} 1`, waitFor('cleared', 2), `${a} 3`].join('\n') + '\n',
      );
      const run = await runGuestScript(
        kernel,
        [
          `${guruCommand()} apply ${ko} -o /tmp/events --run 'sh ${dir}/flow.sh' > /dev/null 2> /tmp/summary; echo "[exit:$?]<<"`,
          showFile('events', '/tmp/events'),
          showFile('summary', '/tmp/summary'),
        ].join('\n'),
        { cpus: 2 },
      );
      const seen = markers(run.stdout);
      expect(seen.get('exit')).toBe('0');
      // Only the test programs' keys: anything else that opened /dev/null is left out of the comparison.
      const ours = (text: string) => text.split('\n').filter((l) => /^@opens\[(opener_[ab])\]|^(cleared|printed)$|^@opens: \d+ more keys/.test(l)).map((l) => l.replace(/^@opens: \d+ more/, '@opens: N more'));
      expect(ours(seen.get('events')!)).toEqual([
        '@opens[opener_a]: 25',
        'cleared',
        '@opens[opener_b]: 40',
        '@opens: N more keys (print(@opens, 1))',
        'printed',
        '@opens[opener_a]: 5',
        '@opens[opener_b]: 40',
        'cleared',
      ]);
      expect(seen.get('events')).not.toMatch(/clear.*failed/);
      expect(ours(seen.get('summary')!)).toEqual(['@opens[opener_a]: 3']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);

  test('@lat[comm] = hist(nsecs - start) of vfs_read puts reads that block 20 ms and 200 ms in the buckets of those times', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const ko = await buildFor(kernel, 'test/fixtures/runtime/read-latency.yaml');
      // Static: the dynamic loader's reads of its libraries would be this comm's reads too.
      const reader = await compileProgram('pipelat.c', dir, 'lat_reader', ['-static']);
      const sleeps = [20, 200];
      const run = await runGuestScript(
        kernel,
        [`${guruCommand()} apply ${ko} --run '${reader} ${sleeps.join(' ')}' > /dev/null 2> /tmp/summary; echo "[exit:$?]<<"`, showFile('summary', '/tmp/summary')].join('\n'),
        { icount: true },
      );
      const seen = markers(run.stdout);
      expect(seen.get('exit')).toBe('0');
      const summary = seen.get('summary')!;
      // The histogram's rows: from the line after "@lat[lat_reader]:" to the blank line that ends it.
      const lines = summary.split('\n');
      const at = lines.indexOf('@lat[lat_reader]:');
      expect(at).toBeGreaterThanOrEqual(0);
      const rows = lines.slice(at + 1, lines.indexOf('', at));
      const used = rows.map((r) => /^(\S+, \S+|\S+)\s+(\d+) \|@*\s*\|$/.exec(r)).map((m) => [m![1], Number(m![2])] as const).filter(([, n]) => n > 0);
      // Each read lasts at least its sleep, so it is in the bucket [2^k, 2^(k+1)) of 2^k <= sleep; bpftrace labels them 16M, 32M.
      const label = (v: number): string => (v >= 2 ** 20 ? `${v / 2 ** 20}M` : v >= 2 ** 10 ? `${v / 2 ** 10}K` : String(v));
      const bucket = (ns: number): string => {
        const k = Math.floor(Math.log2(ns));
        return `[${label(2 ** k)}, ${label(2 ** (k + 1))})`;
      };
      expect(sleeps.map((ms) => bucket(ms * 1e6))).toEqual(['[16M, 32M)', '[128M, 256M)']);
      expect(used).toEqual(sleeps.map((ms) => [bucket(ms * 1e6), 1]));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
