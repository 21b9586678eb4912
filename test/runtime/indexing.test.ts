// Indexing and C casts in a real kernel, one boot: execve's $argv[1] (a
// user pointer array typed by its C type) read as a string and as a char;
// current->comm[i] read and written through the fault-tolerant accessors
// (the program then sees its new name in /proc/self/comm); a (struct
// task_struct *) cast of an address kept in a var; and a bad pointer, read
// and written through a cast and an index, is a counted fault, never an oops.
import fs from 'node:fs';
import { buildFor, compileProgram, describeOnFirstKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';

describeOnFirstKernel((storedKernel) => {
  test('p[i] reads and writes, (struct T *) casts, and bad pointers are faults', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const prog = await compileProgram('idxprog.c', dir, 'idxprog');
      fs.writeFileSync(
        `${dir}/spec.yaml`,
        `guru: 1
name: rt_indexing
vars:
  parent: { type: u64, scope: thread }
probes:
  - on: syscall:execve
    if: user_string($filename) == "${prog}"
    do: log("argv1=%s first=%d", user_string($argv[1]), $argv[1][0])
  - on: syscall:getppid
    if: comm == "idxprog"
    do:
      - parent = current->real_parent
      - log("comm0=%d comm1=%d parent=%d ppid=%d", current->comm[0], current->comm[1], ((struct task_struct *)parent)->pid, ppid)
      - current->comm[0] = 88
      - log("now=%d", current->comm[0])
  - on: syscall:getppid
    if: comm == "Xdxprog"
    do: log("bad=%d", ((struct task_struct *)16)->comm[1])
  - on: syscall:getppid
    if: comm == "Xdxprog"
    do: '((struct task_struct *)16)->comm[0] = 1'
`,
      );
      const ko = await buildFor(kernel, `${dir}/spec.yaml`);
      const run = await runGuestScript(
        kernel,
        [
          `${guruCommand()} apply ${ko} -o /tmp/events --run "sh -c '${prog} first second; echo ppid=\\$\\$'" > /tmp/out 2> /tmp/summary`,
          `echo "[apply-exit:$?]<<"`,
          showFile('out', '/tmp/out'),
          showFile('events', '/tmp/events'),
          showFile('summary', '/tmp/summary'),
        ].join('\n'),
      );
      const seen = markers(run.stdout);
      expect({ exit: seen.get('apply-exit'), summary: seen.get('summary') }).toMatchObject({ exit: '0' });
      const out = seen.get('out')!;
      const events = seen.get('events')!;
      const summary = seen.get('summary')!;
      expect(out).toContain('comm=Xdxprog\n');
      const shell = /^ppid=(\d+)$/m.exec(out)?.[1];
      expect(events).toContain('argv1=first first=102\n');
      // 'i' 'd', and the parent read through the cast is the shell: ppid says so too.
      expect(events).toContain(`comm0=105 comm1=100 parent=${shell} ppid=${shell}\n`);
      expect(events).toContain('now=88\n');
      expect(events).not.toContain('bad=');
      // The bad read and the bad write: one fault each, in probes 2 and 3.
      expect(summary).toMatch(/^\s*2 syscall:getppid\s+\d+\s+\d+\s+0\s+0\s+1\s*$/m);
      expect(summary).toMatch(/^\s*3 syscall:getppid\s+\d+\s+\d+\s+0\s+0\s+1\s*$/m);
      expect(summary).toMatch(/^\s*1 syscall:getppid\s+\d+\s+\d+\s+1\s+0\s+0\s*$/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
