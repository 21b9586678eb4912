// examples/echo-statement.yaml (in its variant for each test kernel: source
// lines are one kernel's) in a real kernel: ksys_write's local $ret,
// written at the statement, is what write(2) returns, so echo run by uid
// 1000 writes only "h" to a file and to a pipe, believes it wrote it all
// and exits 0; the statement probe logged each clamped write.
import { ensureKernel } from '../../src/kernelStore/ensureKernel.js';
import { AS_USER, buildFor, describeEachKernel, guruCommand, markers, runGuestScript, showFile } from '../helpers/guest.js';
import { specFor } from '../helpers/specVariants.js';

describeEachKernel((storedKernel, ref) => {
  test('echo-statement: echo writes "h" to a file and a pipe and exits 0; ksys_write reported the original count', async () => {
    await storedKernel();
    // Statement probes read the kernel's DWARF: its debuginfo must be stored.
    const kernel = await ensureKernel(ref, { debuginfo: true }).catch((err: Error) => {
      throw new Error(`${ref} has no debuginfo in guru's store (${err.message}); fix: node bin/guru.js kernel add ${ref} --debuginfo`);
    });
    const spec = specFor('examples/echo-statement.yaml', kernel);
    const ko = await buildFor(kernel, spec);
    const run = await runGuestScript(
      kernel,
      [
        'mkdir -p /tmp/o && chmod 777 /tmp/o',
        `${guruCommand()} apply ${ko} -o /tmp/events --run "sh -c '${AS_USER} /bin/echo hello > /tmp/o/file; echo \\$? > /tmp/o/file.exit; ${AS_USER} /bin/echo hello | cat > /tmp/o/pipe'" 2> /tmp/summary`,
        `echo "[apply-exit:$?]<<"`,
        showFile('file', '/tmp/o/file'),
        showFile('file.exit', '/tmp/o/file.exit'),
        showFile('pipe', '/tmp/o/pipe'),
        showFile('events', '/tmp/events'),
        showFile('summary', '/tmp/summary'),
      ].join('\n'),
    );
    const seen = markers(run.stdout);
    expect([spec, seen.get('apply-exit')]).toEqual([spec, '0']);
    expect(seen.get('file')).toBe('h');
    expect(seen.get('file.exit')).toBe('0\n');
    expect(seen.get('pipe')).toBe('h');
    // One clamped write to the file and one to the pipe, each told the whole 6 bytes were written.
    expect(seen.get('events')!.split('\n').filter((l) => l.startsWith('fd 1,'))).toEqual(['fd 1, ksys_write wrote 1 of 1 bytes, reports 6', 'fd 1, ksys_write wrote 1 of 1 bytes, reports 6']);
    expect(seen.get('summary')).toMatch(/events: (\d+) emitted = \1 delivered \+ 0 dropped/);
  }, 600_000);
});
