// Global vars are atomic (docs/spec.md, Variables): two programs pinned to the two
// guest CPUs call getpid(2) CALLS times each, at once, and every update of a
// global var the probe makes (+=, -=, x = x + e, ++, a u32 var's +=, an
// update through * and +, |=) must count each of the 2 x CALLS hits. Before
// the emitter made each one atomic read-modify-write, `hits += 1` was an
// atomic64_read and a separate atomic64_set, and hits from two CPUs at once
// were lost.
import { buildFor, compileProgram, describeOnFirstKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';
import fs from 'node:fs';

/**
 * Calls per program. Under multi-threaded TCG (the two vCPUs at once: under
 * single-threaded TCG a CPU is never preempted inside the few straight-line
 * instructions of a read and a set, so nothing was lost there even before
 * the fix) the non-atomic update lost 4383 of 600000 hits with 300000 each
 * on 6.1.
 */
const CALLS = 200000;

describeOnFirstKernel((storedKernel) => {
  test('updates of global vars from two CPUs at once lose no hit', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const ko = await buildFor(kernel, 'test/fixtures/runtime/global-counts.yaml');
      const prog = await compileProgram('pinned.c', dir, 'pinned');
      fs.writeFileSync(`${dir}/run.sh`, [`${prog} 0 ${CALLS} & ${prog} 1 ${CALLS} & wait`].join('\n') + '\n');
      const run = await runGuestScript(
        kernel,
        [
          `${guruCommand()} apply ${ko} --run "sh ${dir}/run.sh" > /tmp/out 2> /tmp/summary`,
          `echo "[apply-exit:$?]<<"`,
          showFile('out', '/tmp/out'),
          showFile('summary', '/tmp/summary'),
        ].join('\n'),
        // The vCPUs at once; the programs run only between arming and disarming (see tcgThreads in vmPolicy.ts).
        { cpus: 2, tcgThreads: 'multi' },
      );
      const seen = markers(run.stdout);
      expect({ exit: seen.get('apply-exit'), summary: seen.get('summary') }).toMatchObject({ exit: '0' });
      const out = seen.get('out')!;
      // Both programs ran, one on each CPU.
      expect(out.match(/^cpu=\d$/gm)?.sort()).toEqual(['cpu=0', 'cpu=1']);
      const n = 2 * CALLS;
      expect(out).toContain(`hits=${n} down=${-2 * n} sum=${3 * n} inc=${n} small=${n} mixed=${n} cpus=3\n`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
