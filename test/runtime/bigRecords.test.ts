// The largest log() the language allows reaches user space whole: ten
// strings of 255 bytes and an integer (a record of about 2.6 KiB), each
// string with its own length. (Records once had room for 2 KiB only: the
// length prefix of the string that did not fit lied, and `guru apply` died
// with "internal error: RangeError ... readBigInt64LE".)
import fs from 'node:fs';
import path from 'node:path';
import { buildFor, describeOnFirstKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';

describeOnFirstKernel((storedKernel) => {
  test('a log() of ten 255-byte strings and an integer arrives intact', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const strings = 'abcdefghij'.split('').map((c) => c.repeat(255));
      const spec = path.join(dir, 'big_records.yaml');
      fs.writeFileSync(
        spec,
        [
          'guru: 1',
          'name: big_records',
          'where: { comm: bigrec }',
          'probes:',
          '  - on: syscall:write',
          '    do:',
          `      - 'log("${strings.map(() => '%s').join(' ')} %d", ${strings.map((s) => `"${s}"`).join(', ')}, $count)'`,
          '',
        ].join('\n'),
      );
      const ko = await buildFor(kernel, spec);
      const run = await runGuestScript(
        kernel,
        [
          'ln -s /bin/echo /tmp/bigrec',
          `${guruCommand()} apply ${ko} -o /tmp/events --run '/tmp/bigrec hello > /dev/null' 2> /tmp/summary; echo "[apply-exit:$?]<<"`,
          showFile('events', '/tmp/events'),
          showFile('summary', '/tmp/summary'),
        ].join('\n'),
      );
      const seen = markers(run.stdout);
      expect(seen.get('summary')).not.toMatch(/internal error/);
      expect(seen.get('apply-exit')).toBe('0');
      expect(seen.get('events')).toBe(`${strings.join(' ')} 6\n`);
      expect(seen.get('summary')).toMatch(/events: 1 emitted = 1 delivered \+ 0 dropped/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
