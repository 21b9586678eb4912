// Reads of user memory at a uprobe page the memory in: a uprobe handler
// runs in the probed task, in process context, where faulting user pages
// is allowed (as the kernel's own uprobe_events fetches do), so a string in
// a page the process never touched reads as the string, not as a fault.
// Kprobe handlers may run in NMI context and keep the reads that never
// fault: the same kind of untouched page, handed to write(2), is a fault
// event at the syscall probe. The program (test/fixtures/programs/
// untouched.c) passes show() a string 1 MiB into its .data and the start
// of a file it mapped and never read.
import fs from 'node:fs';
import { buildFor, compileProgram, describeEachKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';

describeEachKernel((storedKernel) => {
  test('user_string at a uprobe reads pages the process never touched; at a kprobe they stay a fault', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const program = await compileProgram('untouched.c', dir, 'untouched');
      fs.writeFileSync(
        `${dir}/spec.yaml`,
        `guru: 1
name: rt_uprobe_reads
where: { comm: untouched }
probes:
  - on: uprobe:${program}:show
    do: log("show(%s)", user_string($arg1))
  - on: syscall:write
    if: $count == 19
    do: log("write(%s)", user_string($buf))
`,
      );
      const ko = await buildFor(kernel, `${dir}/spec.yaml`);
      const run = await runGuestScript(
        kernel,
        [
          "printf 'from a mapped file' > /tmp/mapped",
          `${guruCommand()} apply ${ko} -o /tmp/events --run "${program} /tmp/mapped > /tmp/out" 2> /tmp/summary`,
          `echo "[apply-exit:$?]<<"`,
          showFile('events', '/tmp/events'),
          showFile('out', '/tmp/out'),
          showFile('summary', '/tmp/summary'),
        ].join('\n'),
      );
      const seen = markers(run.stdout);
      expect({ exit: seen.get('apply-exit'), summary: seen.get('summary') }).toMatchObject({ exit: '0' });
      expect(seen.get('out')).toBe('written from .data\nshown: far in .data, from a mapped file\n');
      expect(seen.get('events')).toMatch(
        new RegExp(
          '^show\\(far in \\.data\\)\nshow\\(from a mapped file\\)\n' +
            `guru: fault in syscall:write \\(${dir}/spec\\.yaml:9\\): user memory not readable at 0x[0-9a-f]+ \\[pid \\d+\\]\n$`,
        ),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
