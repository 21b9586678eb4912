// Writes through typed pointers in each test kernel, at the offsets and
// widths of its BTF: `$file->f_flags |= O_NONBLOCK` at vfs_read makes a
// read of an empty pipe return EAGAIN at once (the flag stays on the file,
// as fcntl then shows), where it would block until the alarm; and a store
// into read-only memory (the pipe's file_operations) is refused by the
// runtime's fault-tolerant writer: a fault event, and the read goes on
// unharmed. The event read back through @cast(...) and current-> shows the
// flag set and the reader's own pid.
import fs from 'node:fs';
import { buildFor, compileProgram, describeOnFirstKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';

let dir: string;
beforeAll(() => {
  dir = hostTempDir();
});
afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

describeOnFirstKernel((storedKernel) => {
  test('a member written through a pointer changes what the kernel does; a write to read-only memory is a fault', async () => {
    const kernel = await storedKernel();
    const ko = await buildFor(kernel, 'test/fixtures/runtime/pointer-writes.yaml');
    const reader = await compileProgram('pipe_reader.c', dir, 'pipe_reader');
    const roWriter = await compileProgram('pipe_reader.c', dir, 'ro_writer');
    const run = await runGuestScript(
      kernel,
      [
        `printf '[unpatched:%s]<<\\n' "$(${reader} | head -1)"`,
        `${guruCommand()} apply ${ko} -o /tmp/events --run 'sh -c "${reader} > /tmp/patched; ${roWriter} > /tmp/ro"' 2> /tmp/summary; echo "[apply:$?]<<"`,
        showFile('patched', '/tmp/patched'),
        showFile('ro', '/tmp/ro'),
        showFile('events', '/tmp/events'),
        showFile('summary', '/tmp/summary'),
      ].join('\n'),
    );
    const seen = markers(run.stdout);
    expect(seen.get('unpatched')).toBe('read -1 EINTR, nonblock 0 then 0');
    expect(seen.get('apply')).toBe('0');
    const [patched, pidLine] = seen.get('patched')!.split('\n');
    expect(patched).toBe('read -1 EAGAIN, nonblock 0 then 1');
    // The write failed, so the read went on as without the patch.
    expect(seen.get('ro')!.split('\n')[0]).toBe('read -1 EINTR, nonblock 0 then 0');
    const events = seen.get('events')!;
    const flags = /^flags ([0-7]+) tgid (\d+)$/m.exec(events);
    expect(flags).not.toBeNull();
    expect(parseInt(flags![1]!, 8) & 0o4000).toBe(0o4000);
    // current->tgid is the reader's own pid.
    expect(`pid ${flags![2]}`).toBe(pidLine);
    expect(events).not.toMatch(/not reached/);
    // Rows: id, probe, hits, misses, writes, nmissed, faults.
    const rows = seen.get('summary')!.split('\n').filter((l) => /^\s*\d+ /.test(l)).map((r) => r.trim().split(/\s+/));
    expect(rows).toHaveLength(2);
    const [readerRow, roRow] = rows as [string[], string[]];
    expect(Number(readerRow.at(-3))).toBeGreaterThanOrEqual(1);
    expect(readerRow.at(-1)).toBe('0');
    expect(roRow.at(-3)).toBe('0');
    expect(Number(roRow.at(-1))).toBeGreaterThanOrEqual(1);
  }, 600_000);
});
