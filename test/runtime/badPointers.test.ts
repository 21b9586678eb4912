// Bad pointers and division by zero in expressions yield fault events and
// counted faults, never an oops; the traced program is unaffected.
import { buildFor, describeOnFirstKernel, guruCommand, markers, runGuestScript, showFile } from '../helpers/guest.js';

describeOnFirstKernel((storedKernel) => {
  test('faulting expressions are reported and counted, and the kernel stays healthy', async () => {
    const kernel = await storedKernel();
    const ko = await buildFor(kernel, 'test/fixtures/runtime/bad-pointers.yaml');
    const run = await runGuestScript(
      kernel,
      [
        `${guruCommand()} apply ${ko} -o /tmp/events --run '/bin/echo hello > /tmp/out' 2> /tmp/summary`,
        `echo "[apply-exit:$?]<<"`,
        showFile('out', '/tmp/out'),
        showFile('events', '/tmp/events'),
        showFile('summary', '/tmp/summary'),
        `printf '[oops:%s]<<\\n' "$(dmesg | grep -cE 'BUG:|Oops|general protection|WARNING:')"`,
        `printf '[loaded:%s]<<\\n' "$(grep -c '^guru_' /proc/modules)"`,
      ].join('\n'),
    );
    const seen = markers(run.stdout);
    expect(seen.get('apply-exit')).toBe('0');
    expect(seen.get('out')).toBe('hello\n');
    const events = seen.get('events')!;
    expect(events).toMatch(/fault in syscall:write \(test\/fixtures\/runtime\/bad-pointers\.yaml:10\): user memory not readable at 0x6/);
    expect(events).toMatch(/fault in syscall:write \(.*:13\): kernel address not readable/);
    expect(events).toMatch(/fault in syscall:write \(.*:16\): kernel address not readable/);
    expect(events).toMatch(/fault in syscall:write \(.*:19\): division by zero/);
    // Four probes; every hit that passes the guard (comm echo) faults.
    const rows = [...seen.get('summary')!.matchAll(/^\s+(\d) syscall:write\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/gm)];
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      const [hits, misses, writes, , faults] = r.slice(2).map(Number);
      expect(faults).toBeGreaterThan(0);
      expect(faults).toBe(hits - misses);
      expect(writes).toBe(0);
    }
    expect(seen.get('oops')).toBe('0');
    expect(seen.get('loaded')).toBe('0');
  }, 600_000);
});
