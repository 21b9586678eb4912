// Member access in each test kernel: `$file->f_path.dentry->d_name.name`
// and friends read kernel memory through the BTF layout of struct file,
// and `$rqtp->tv_nsec` reads a syscall's struct in user memory. Every value
// is checked against what the guest itself reports (stat, the bytes
// written, the sleep asked for). 7.3 renamed dentry's d_iname to
// d_shortname.string: member-access@7.3.yaml.
import { specFor } from '../helpers/specVariants.js';
import { buildFor, describeOnFirstKernel, guruCommand, markers, runGuestScript, showFile } from '../helpers/guest.js';

describeOnFirstKernel((storedKernel) => {
  test('members of kernel and user structs read through BTF offsets', async () => {
    const kernel = await storedKernel();
    const ko = await buildFor(kernel, specFor('test/fixtures/runtime/member-access.yaml', kernel));
    const run = await runGuestScript(
      kernel,
      [
        'd=$(mktemp -d) && f=$d/guru-member-target',
        // One open file, two writes: the second starts where the first ended.
        `${guruCommand()} apply ${ko} -o /tmp/events --run "sh -c 'exec 3> $f; printf abc >&3; printf defgh >&3; exec 3>&-; sleep 0.25'" 2> /tmp/summary`,
        `echo "[apply-exit:$?]<<"`,
        'echo "[ino:$(stat -c %i $f)]<<"',
        'echo "[content:$(cat $f)]<<"',
        showFile('events', '/tmp/events'),
        showFile('summary', '/tmp/summary'),
      ].join('\n'),
    );
    const seen = markers(run.stdout);
    expect(seen.get('apply-exit')).toBe('0');
    expect(seen.get('content')).toBe('abcdefgh');
    const ino = seen.get('ino')!;
    expect(ino).toMatch(/^\d+$/);
    const events = seen.get('events')!;
    expect(events.split('\n').filter((l) => l.startsWith('write '))).toEqual([
      `write guru-member-target pos=0 size=0 count=3 ino=${ino}`,
      `write guru-member-target pos=3 size=3 count=5 ino=${ino}`,
    ]);
    expect(events).toMatch(/^sleep 0 s 250000000 ns$/m);
    // No read faulted: the last column (faults) of each probe's row is 0.
    const rows = seen.get('summary')!.split('\n').filter((l) => /^\s*\d+ /.test(l));
    expect(rows.map((r) => r.trim().split(/\s+/).at(-1))).toEqual(['0', '0']);
  }, 600_000);
});
