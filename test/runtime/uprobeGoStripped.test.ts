// A stripped Go binary (go build -ldflags "-s -w": no .symtab, no DWARF)
// in the VM (issue #14): guru finds main.add in .gopclntab's function
// table, and its positional arguments follow Go's register ABI ($arg1 in
// rax, $arg2 in rbx), not System V's (rdi, rsi); $return is rax at the
// uprobe on add's ret. What the probes read is compared with what the
// program prints for each call; a wildcard's positional arguments too.
import fs from 'node:fs';
import { buildFor, describeEachKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';
import { buildGoProgram } from '../helpers/goProgram.js';

describeEachKernel((storedKernel) => {
  test('main.add of a stripped Go binary: $arg1, $arg2 and $return in Go\'s registers, as the program prints them', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const program = await buildGoProgram('test/fixtures/programs/goadd', dir, 'goadd', '-s -w');
      fs.writeFileSync(
        `${dir}/spec.yaml`,
        `guru: 1
name: rt_go_stripped
vars:
  a: { type: s64, scope: thread }
  b: { type: s64, scope: thread }
probes:
  - on: uprobe:${program}:main.add
    do:
      - a = $arg1
      - b = $arg2
  - on: uretprobe:${program}:main.add
    do: log("%d %d -> %d", a, b, $return)
  - on: uprobe:${program}:main.addsu*
    do: log("addsub %d %d", $arg1, $arg2)
`,
      );
      const ko = await buildFor(kernel, `${dir}/spec.yaml`);
      const run = await runGuestScript(
        kernel,
        [
          `${guruCommand()} apply ${ko} -o /tmp/events --run "${program} > /tmp/out" 2> /tmp/summary`,
          `echo "[apply-exit:$?]<<"`,
          showFile('events', '/tmp/events'),
          showFile('out', '/tmp/out'),
          showFile('summary', '/tmp/summary'),
        ].join('\n'),
      );
      const seen = markers(run.stdout);
      expect({ exit: seen.get('apply-exit'), summary: seen.get('summary') }).toMatchObject({ exit: '0' });
      const out = seen.get('out')!.trim().split('\n');
      expect(out.length).toBe(4);
      const adds = out.filter((l) => / -> /.test(l));
      expect(adds.length).toBe(3);
      const [, x, y] = /^addsub (-?\d+) (-?\d+)$/.exec(out[3]!)!.map(Number);
      // addsub(a, b) returns a+b, a-b: its arguments from the program's own results.
      expect(seen.get('events')!.trim().split('\n')).toEqual([...adds, `addsub ${(x! + y!) / 2} ${(x! - y!) / 2}`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
