// A rewritten syscall argument is seen by the kernel only (docs/spec.md): the
// caller's registers are never changed, whatever path the syscall takes
// back to user space. Three paths the return probe does not cover:
//  - execve replaces the registers with the new program's: a restore on
//    return wrote the old envp into its rdx, which a static binary's _start
//    takes as rtld_fini and calls at exit (every static binary segfaulted);
//  - a call blocked while the module goes away returns without the return
//    probe (it was unregistered): the rewritten count stayed in rdx;
//  - a fork's child returns through ret_from_fork with a copy of the
//    parent's registers, the rewritten one included.
import fs from 'node:fs';
import path from 'node:path';
import { buildFor, compileProgram, describeOnFirstKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';

function spec(dir: string, name: string, comm: string, on: string, write: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, ['guru: 1', `name: ${name}`, `where: { comm: ${comm} }`, 'probes:', `  - on: ${on}`, '    do:', `      - ${write}`, ''].join('\n'));
  return file;
}

describeOnFirstKernel((storedKernel) => {
  test('rewrites at execve, across rmmod and at clone never reach user space', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const exec = await buildFor(kernel, spec(dir, 'rw_exec', 'execer', 'syscall:execve', '$envp = $envp'));
      const read = await buildFor(kernel, spec(dir, 'rw_read', 'rawread', 'syscall:read', '$count = 1'));
      const clone = await buildFor(kernel, spec(dir, 'rw_clone', 'rawclone', 'syscall:clone', '$arg5 = 0'));
      const rawread = await compileProgram('rawread.c', dir, 'rawread');
      const rawclone = await compileProgram('rawclone.c', dir, 'rawclone');
      const guru = guruCommand();
      const run = await runGuestScript(
        kernel,
        [
          // execve: a shell named execer runs a static binary (busybox).
          'ln -s /bin/dash /tmp/execer',
          `${guru} apply ${exec} -o /tmp/exec-events --run "/tmp/execer -c '/bin/busybox true; echo \\$?'" > /tmp/exec.out 2> /tmp/exec.err`,
          `echo "[exec-apply:$?]<<"`,
          showFile('exec', '/tmp/exec.out'),
          showFile('exec-summary', '/tmp/exec.err'),
          // A read blocked with its count rewritten while the patch is removed.
          `${guru} apply ${read} --detach --ttl 0 > /dev/null 2>&1; echo "[read-detach:$?]<<"`,
          'mkfifo /tmp/fifo',
          `${rawread} /tmp/fifo > /tmp/read.out & R=$!`,
          // Wait until it sleeps in read(2): syscall 0 in /proc/PID/syscall.
          'i=0; while [ "$(cut -d" " -f1 /proc/$R/syscall 2>/dev/null)" != 0 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done',
          `echo "[blocked:$(cut -d' ' -f1 /proc/$R/syscall)]<<"`,
          `${guru} rm rw_read > /dev/null 2>&1; echo "[read-rm:$?]<<"`,
          'echo data > /tmp/fifo; wait $R; echo "[read-exit:$?]<<"',
          showFile('read', '/tmp/read.out'),
          // clone: the child's registers as well as the parent's.
          `${guru} apply ${clone} -o /tmp/clone-events --run '${rawclone} > /tmp/clone.out' 2> /tmp/clone.err; echo "[clone-apply:$?]<<"`,
          showFile('clone', '/tmp/clone.out'),
          showFile('clone-summary', '/tmp/clone.err'),
          `printf '[loaded:%s]<<\\n' "$(grep -c '^guru_' /proc/modules)"`,
        ].join('\n'),
      );
      const seen = markers(run.stdout);
      if (process.env.GURU_DEBUG) console.log(run.stdout, run.stderr);
      // execve: the patch wrote (a no-op) and busybox ran and exited normally.
      expect(seen.get('exec-summary')).toMatch(/0 syscall:execve\s+\d+\s+\d+\s+1\s/);
      expect(seen.get('exec')).toBe('0\n');
      expect(seen.get('exec-apply')).toBe('0');
      // The blocked read: the kernel read 1 byte (the rewrite), user space kept its count.
      expect(seen.get('read-detach')).toBe('0');
      expect(seen.get('blocked')).toBe('0');
      expect(seen.get('read-rm')).toBe('0');
      expect(seen.get('read')).toBe('rawread: ret=1 rdi=same rsi=same rdx=64\n');
      expect(seen.get('read-exit')).toBe('0');
      // clone: the kernel ignored tls either way; both sides keep their r8.
      expect(seen.get('clone-summary')).toMatch(/0 syscall:clone\s+\d+\s+\d+\s+1\s/);
      expect(seen.get('clone')).toBe('child: r8=0x1234\nparent: r8=0x1234\n');
      expect(seen.get('clone-apply')).toBe('0');
      expect(seen.get('loaded')).toBe('0');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
