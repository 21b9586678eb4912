// Maps and counters in a real kernel, on a known workload: two programs
// open /dev/null 25 and 40 times; bpftrace's @[comm] = count() and a
// count("devnull") counter must say exactly that, in the session's summary,
// in guru metrics run while the patch is armed, over --metrics-port's
// /metrics and in the final --metrics-file, each of the three read by a
// Prometheus text parser. On 2 vCPUs, so the per-CPU tables are merged.
import fs from 'node:fs';
import path from 'node:path';
import { buildFor, compileProgram, describeOnFirstKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheusParse.js';

describeOnFirstKernel((storedKernel) => {
  test('@[comm] = count() and count("devnull") count every open, merged over the CPUs, and guru metrics says so', async () => {
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
      const run = await runGuestScript(
        kernel,
        [
          `${guru} apply ${ko} --metrics-file /tmp/final.prom --metrics-port 9464 --run 'sh ${dir}/work.sh' > /dev/null 2> /tmp/summary; echo "[exit:$?]<<"`,
          showFile('summary', '/tmp/summary'),
          showFile('live', '/tmp/live.prom'),
          showFile('http', '/tmp/http.prom'),
          showFile('final', '/tmp/final.prom'),
          `printf '[tmp:%s]<<\\n' "$(ls /tmp | grep -c 'final.prom.*tmp')"`,
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
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
