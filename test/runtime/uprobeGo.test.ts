// Seed 003's Go example in the VM: the talk's main.go (built with
// `go build -gcflags "-N -l"` as the talk does), where SystemTap printed
// `$a` and `$b` but refused `$return` ("function main.traceme (go) has no
// return value"). Under Go's register ABI guru reads both arguments at the
// entry and the result at the return, and rewrites the result so the
// program's own fmt.Printf shows it; main.places' two results come back in
// rax and rbx.
import fs from 'node:fs';
import { buildFor, describeOnFirstKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';
import { buildGoProgram } from '../helpers/goProgram.js';

describeOnFirstKernel((storedKernel) => {
  test("main.traceme's arguments and return value, and the return rewritten so fmt.Printf shows it", async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const program = await buildGoProgram('test/fixtures/programs/go', dir);
      fs.writeFileSync(
        `${dir}/spec.yaml`,
        `guru: 1
name: rt_uprobe_go
probes:
  - on: process("${program}").function("main.traceme")
    do: printf("%d and %d\\n", $a, $b)
  - on: process("${program}").function("main.traceme").return
    do:
      - printf("%d \\n", $return)
      - $return = $ret * 14
  - on: uprobe:${program}:main.places
    do: log("places %d %d %d %d %d %d", $a, $b, $c, $d, $e, $g)
  - on: uretprobe:${program}:main.places
    do: log("places returns %d %d", $r, $q)
`,
      );
      const ko = await buildFor(kernel, `${dir}/spec.yaml`);
      const run = await runGuestScript(
        kernel,
        [
          `${guruCommand()} apply ${ko} -o /tmp/events --run "${program} > /tmp/out" 2> /tmp/summary`,
          `echo "[apply-exit:$?]<<"`,
          `${program} > /tmp/unpatched`,
          showFile('events', '/tmp/events'),
          showFile('out', '/tmp/out'),
          showFile('unpatched', '/tmp/unpatched'),
          showFile('summary', '/tmp/summary'),
        ].join('\n'),
      );
      const seen = markers(run.stdout);
      expect({ exit: seen.get('apply-exit'), summary: seen.get('summary') }).toMatchObject({ exit: '0' });
      expect(seen.get('unpatched')).toBe('ret 3\nplaces 30 7\n');
      expect(seen.get('out')).toBe('ret 42\nplaces 30 7\n');
      expect(seen.get('events')).toBe('1 and 2\n3 \nplaces 1 2 3 4 5 6\nplaces returns 30 7\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
