// User stacks and the command line (docs/spec.md, User stacks): at a
// uprobe on c of test/fixtures/programs/callchain.c (main -> a -> b -> c,
// built -O0 -fno-omit-frame-pointer) ustack names c, b, a, main in that
// order, and at syscall:write (c's write) print_ubacktrace() shows libc's
// write, then c, b, a, main; cmdline_str() and cmdline_arg(1) are the
// arguments the program was run with. The program waits for a file until
// guru has printed both stacks, so its maps are there when they are named.
import fs from 'node:fs';
import { buildFor, compileProgram, describeEachKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';

describeEachKernel((storedKernel) => {
  test('ustack at a uprobe and print_ubacktrace() at a syscall name the call chain; cmdline_str() and cmdline_arg(1) are argv', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const program = await compileProgram('callchain.c', dir, 'callchain', ['-O0', '-fno-omit-frame-pointer']);
      fs.writeFileSync(
        `${dir}/spec.yaml`,
        `guru: 1
name: rt_user_stacks
where: { comm: callchain }
probes:
  - on: uprobe:${program}:c
    do:
      - printf("ustack:%s", ustack)
      - log("cmd=[%s] arg1=[%s] arg9=[%s]", cmdline_str(), cmdline_arg(1), cmdline_arg(9))
  - on: syscall:write
    do: print_ubacktrace()
`,
      );
      const ko = await buildFor(kernel, `${dir}/spec.yaml`);
      const run = await runGuestScript(
        kernel,
        [
          `${guruCommand()} apply ${ko} -o /tmp/events --run "env CALLCHAIN_GO=/tmp/go ${program} alpha 'beta gamma' > /tmp/out" 2> /tmp/summary &`,
          // Until both stacks are out (or 60 s): the program then ends.
          `for i in $(seq 600); do n=$(grep -c 'main+' /tmp/events 2>/dev/null); [ "\${n:-0}" -ge 2 ] && break; sleep 0.1; done`,
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
      expect(seen.get('out')).toBe('c 5\n');
      const lines = seen.get('events')!.split('\n');
      const p = program.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const at = lines.indexOf('ustack:');
      expect(at).toBeGreaterThanOrEqual(0);
      expect(lines.slice(at + 1, at + 5)).toEqual([
        expect.stringMatching(new RegExp(`^ {8}c\\+0x0 \\(${p}\\)$`)),
        expect.stringMatching(new RegExp(`^ {8}b\\+0x[0-9a-f]+ \\(${p}\\)$`)),
        expect.stringMatching(new RegExp(`^ {8}a\\+0x[0-9a-f]+ \\(${p}\\)$`)),
        expect.stringMatching(new RegExp(`^ {8}main\\+0x[0-9a-f]+ \\(${p}\\)$`)),
      ]);
      // Past main only libc's start code (named or in hex) and _start: never the program's functions again.
      for (const l of lines.slice(at + 5).filter((x) => x.startsWith('        '))) expect(l).not.toMatch(/ (a|b|c|main)\+/);
      expect(lines).toContain('cmd=[' + program + ' alpha beta gamma] arg1=[alpha] arg9=[]');
      const w = lines.findIndex((l) => / : (__GI___libc_)?write\+0x[0-9a-f]+\/0x[0-9a-f]+ \[\S*libc\.so\.6\]$/.test(l));
      expect(w).toBeGreaterThanOrEqual(0);
      expect(lines.slice(w + 1, w + 5)).toEqual(
        ['c', 'b', 'a', 'main'].map((f) => expect.stringMatching(new RegExp(`^ 0x[0-9a-f]+ : ${f}\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[${p}\\]$`))),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
