// SystemTap's caller() and caller_addr() in a real kernel: at a uprobe on
// bump() of test/fixtures/programs/uvars.c, called from from_left() and
// from_right() in turn, caller() names each caller and caller_addr() is
// the address it prints (the program's own rounds say which came when);
// at kprobe:vfs_read, the kernel's caller is ksys_read (named from
// kallsyms in the supervisor; the kernel records the address only).
import fs from 'node:fs';
import { buildFor, compileProgram, describeEachKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';

describeEachKernel((storedKernel) => {
  test('caller() at a uprobe names the two callers in the order the program called them; at kprobe:vfs_read it is ksys_read', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const program = await compileProgram('uvars.c', dir, 'uvars', ['-O2']);
      fs.writeFileSync(
        `${dir}/spec.yaml`,
        `guru: 1
name: rt_callers
probes:
  - on: process("${program}").function("bump")
    where: { comm: uvars }
    do: log("user by=%d caller=[%s] addr=%#x", $arg1, caller(), caller_addr())
  - on: kprobe:vfs_read
    where: { comm: cat }
    do:
      - log("kernel caller=[%s]", caller())
      - print_backtrace()
`,
      );
      const ko = await buildFor(kernel, `${dir}/spec.yaml`);
      const run = await runGuestScript(
        kernel,
        [
          'echo hi > /tmp/in',
          `${guruCommand()} apply ${ko} -o /tmp/events --run "sh -c 'UVARS_GO=/tmp/go ${program} 3 > /tmp/out; cat /tmp/in > /dev/null'" 2> /tmp/summary &`,
          `for i in $(seq 600); do n=$(grep -c '^user ' /tmp/events 2>/dev/null); [ "\${n:-0}" -ge 6 ] && break; sleep 0.1; done`,
          'touch /tmp/go',
          'wait $!',
          `echo "[apply-exit:$?]<<"`,
          showFile('events', '/tmp/events'),
          showFile('out', '/tmp/out'),
          showFile('summary', '/tmp/summary'),
        ].join('\n'),
      );
      const seen = markers(run.stdout);
      expect({ exit: seen.get('apply-exit'), summary: seen.get('summary') }).toMatchObject({ exit: '0' });
      expect(seen.get('out')!.split('\n').filter(Boolean)).toHaveLength(7);
      const lines = seen.get('events')!.split('\n');
      const user = lines.filter((l) => l.startsWith('user '));
      const order = user.map((l) => /^user by=(\d) caller=\[(\w+) 0x([0-9a-f]+)\] addr=0x([0-9a-f]+)$/.exec(l));
      expect(order.every((m) => m && m[3] === m[4])).toBe(true);
      expect(order.map((m) => `${m![1]}:${m![2]}`)).toEqual(['1:from_left', '2:from_right', '1:from_left', '2:from_right', '1:from_left', '2:from_right']);
      const kernelLines = lines.filter((l) => l.startsWith('kernel caller='));
      expect(kernelLines.length).toBeGreaterThan(0);
      // Every caller is named (cat's reads come through ksys_read; others through other paths, such as exec's).
      for (const l of kernelLines) expect(l).toMatch(/^kernel caller=\[[a-z_][a-z0-9_.]* 0xffffffff[0-9a-f]{8}\]$/);
      expect(kernelLines.filter((l) => /^kernel caller=\[ksys_read 0x/.test(l)).length).toBeGreaterThan(0);
      // The address is the return address print_backtrace() shows as ksys_read+0x...
      const at = lines.findIndex((l) => l.startsWith('kernel caller=[ksys_read'));
      expect(lines[at + 2]).toContain(` 0x${/0x([0-9a-f]+)\]/.exec(lines[at]!)![1]} : ksys_read+0x`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
