// A probe that logs faster than the channel drains: records are dropped,
// and every one is accounted for: emitted = delivered + dropped, exactly,
// with "delivered" counted independently from the events file.
import path from 'node:path';
import fs from 'node:fs';
import { buildFor, compileProgram, describeOnFirstKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';

describeOnFirstKernel((storedKernel) => {
  test('emitted = delivered + dropped under overload', async () => {
    const kernel = await storedKernel();
    const ko = await buildFor(kernel, 'test/fixtures/runtime/firehose.yaml');
    const dir = hostTempDir();
    try {
      const loop = await compileProgram('getpid_loop.c', dir, 'getpid_loop');
      const run = await runGuestScript(
        kernel,
        [
          `${guruCommand()} apply ${ko} -o /tmp/events --run '${loop} 300000' 2> /tmp/summary`,
          `echo "[apply-exit:$?]<<"`,
          `echo "[lines:$(grep -c '^padding' /tmp/events)]<<"`,
          showFile('summary', '/tmp/summary'),
        ].join('\n'),
      );
      const seen = markers(run.stdout);
      expect(seen.get('apply-exit')).toBe('0');
      const m = /events: (\d+) emitted = (\d+) delivered \+ (\d+) dropped/.exec(seen.get('summary')!);
      expect(m).not.toBeNull();
      const [emitted, delivered, dropped] = m!.slice(1).map(Number);
      expect(emitted).toBe(delivered + dropped);
      expect(delivered).toBe(Number(seen.get('lines')));
      expect(dropped).toBeGreaterThan(0);
      // Every getpid of the loop was a hit that emitted one record.
      expect(emitted).toBe(300000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);

});

export const fixtures = path.resolve('test/fixtures/runtime');
