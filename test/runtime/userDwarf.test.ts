// User probes with DWARF in Debian's kernels: seed 003's trace.c (gcc -g
// -O0, PIE) has traceme's arguments read by name ($a, $b) at its entry and
// $b rewritten for traceme(1, 1), so traceme2 takes the other branch
// (larger instead of smaller) and the typed $return shows the new sum;
// prototypes.c (-g -O2) has a string, a narrow integer and a bool read by
// name, and an int after a double read from the first integer register.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { buildFor, describeOnFirstKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';

const TRACE = path.resolve('test/fixtures/programs/trace.c');
const PROTOTYPES = path.resolve('test/fixtures/programs/prototypes.c');

function spec(dir: string): string {
  return `guru: 1
name: rt_user_dwarf
probes:
  - on: uprobe:${dir}/trace:traceme
    do: log("traceme(%d, %d)", $a, $b)
  - on: process("${dir}/trace").function("traceme")
    if: $a == 1 && $b == 1
    do: $b = 10
  - on: uretprobe:${dir}/trace:traceme
    do: log("traceme returned %d", $return)
  - on: uprobe:${dir}/prototypes:greet
    do: log("greet(%s, %d, %d)", user_string($who), $n, $loud)
  - on: uprobe:${dir}/prototypes:half
    do: log("half(_, %d)", $y)
`;
}

describeOnFirstKernel((storedKernel) => {
  test('arguments by name from DWARF at the entry of user functions, read and rewritten (seed 003 at -O0, a -O2 build with a string, a bool and a double)', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      await execa('gcc', ['-g', '-O0', '-o', `${dir}/trace`, TRACE]);
      await execa('gcc', ['-g', '-O2', '-o', `${dir}/prototypes`, PROTOTYPES]);
      fs.writeFileSync(`${dir}/spec.yaml`, spec(dir));
      const ko = await buildFor(kernel, `${dir}/spec.yaml`);
      const run = await runGuestScript(
        kernel,
        [
          `${guruCommand()} apply ${ko} -o /tmp/events --run "${dir}/trace > /tmp/out; ${dir}/prototypes alice >> /tmp/out; echo prototypes exit \\$? >> /tmp/out" 2> /tmp/summary`,
          `echo "[apply-exit:$?]<<"`,
          showFile('events', '/tmp/events'),
          showFile('out', '/tmp/out'),
          showFile('summary', '/tmp/summary'),
        ].join('\n'),
        300_000,
      );
      const seen = markers(run.stdout);
      expect({ exit: seen.get('apply-exit'), summary: seen.get('summary') }).toMatchObject({ exit: '0' });
      // traceme(1, 1) became traceme(1, 10): traceme2 took larger() where the program alone prints smaller.
      expect(seen.get('out')).toBe('larger\nlarger\nlarger\nalice 3 1\nprototypes exit 2\n');
      expect(seen.get('events')).toBe(
        [
          'traceme(1, 2)',
          'traceme returned 3',
          'traceme(5, 5)',
          'traceme returned 10',
          'traceme(1, 1)',
          'traceme returned 11',
          'traceme(3, 3)',
          'traceme returned 6',
          'traceme(6, 4)',
          'traceme returned 10',
          'greet(alice, 3, 1)',
          'half(_, 2)',
          '',
        ].join('\n'),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
