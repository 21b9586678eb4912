// A uprobe keeps the probed file's filesystem mounted while the module is
// loaded: the kernel's uprobe holds only a bare inode pointer and leaves
// the inode and its mount to the caller (kmod/guru_uprobe.c open_target).
// Before the runtime kept the file open, `umount` of the filesystem holding
// the probed binary succeeded under a loaded module and unregistering at
// rmmod used the freed inode. Here the binary sits on a tmpfs mounted in
// the guest over a directory of the same path as on the host (where guru
// built the module against the same bytes): while the patch is applied,
// umount is refused and the probe still fires; after the session, umount
// succeeds.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { buildFor, describeOnFirstKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile, waitArmed } from '../helpers/guest.js';

const SOURCE = path.resolve('test/fixtures/programs/greeter.c');

describeOnFirstKernel((storedKernel) => {
  test('the probed file stays mounted while the module is loaded, and is released after', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    const mnt = `${dir}/mnt`;
    try {
      fs.mkdirSync(mnt);
      await execa('gcc', ['-O2', '-o', `${mnt}/greeter`, SOURCE]);
      fs.writeFileSync(
        `${dir}/spec.yaml`,
        `guru: 1
name: rt_uprobe_mounts
probes:
  - on: uprobe:${mnt}/greeter:greet
    do: log("greet(%s, %d)", user_string($arg1), $arg2)
`,
      );
      const ko = await buildFor(kernel, `${dir}/spec.yaml`);
      const run = await runGuestScript(
        kernel,
        [
          `cp ${mnt}/greeter /tmp/greeter && mount -t tmpfs guru-test ${mnt} && cp /tmp/greeter ${mnt}/greeter`,
          `${guruCommand()} apply ${ko} -o /tmp/events 2> /tmp/summary & P=$!`,
          waitArmed('guru_rt_uprobe_mounts'),
          `umount ${mnt} 2> /tmp/umount; echo "[umount-while-loaded:$?]<<"`,
          `${mnt}/greeter dave > /tmp/out`,
          `kill -TERM $P; wait $P; echo "[apply-exit:$?]<<"`,
          showFile('events', '/tmp/events'),
          showFile('umount-error', '/tmp/umount'),
          `umount ${mnt}; echo "[umount-after:$?]<<"`,
        ].join('\n'),
      );
      const seen = markers(run.stdout);
      expect(seen.get('umount-while-loaded')).not.toBe('0');
      expect(seen.get('umount-error')).toMatch(/busy/);
      expect(seen.get('apply-exit')).toBe('0');
      expect(seen.get('events')).toBe('greet(dave, 3)\n');
      expect(seen.get('umount-after')).toBe('0');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
