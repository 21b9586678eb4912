// A handler that finds its CPU's scratch busy (another guru handler owns it)
// does not run; the hit is counted against its own probe, in the nmissed
// the summary shows, as the kprobe core counts a nested kprobe. Made
// certain here: a syscall probe reads a string at an unmapped user address,
// the fault-tolerant read takes a page fault, and the fault fires
// exceptions:page_fault_kernel inside that handler, where the tracepoint
// probe finds the CPU busy. Before, such hits went only into the module's
// `nested` total and the tracepoint probe's row said nmissed 0.
import fs from 'node:fs';
import { buildFor, compileProgram, describeOnFirstKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';

const CALLS = 5;

describeOnFirstKernel((storedKernel) => {
  test('a tracepoint hit inside another probe is counted in its own nmissed', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      fs.writeFileSync(
        `${dir}/spec.yaml`,
        `guru: 1
name: rt_tp_nested
where: { comm: faulter }
probes:
  - on: syscall:getpid
    do: log("read %s", user_string(0x10000))
  - on: tracepoint:exceptions:page_fault_kernel
    do: log("fault at %lx", $address)
`,
      );
      const ko = await buildFor(kernel, `${dir}/spec.yaml`);
      const prog = await compileProgram('getpid_loop.c', dir, 'faulter');
      const run = await runGuestScript(
        kernel,
        [
          `${guruCommand()} apply ${ko} -o /tmp/events --run "${prog} ${CALLS}" 2> /tmp/summary`,
          `echo "[apply-exit:$?]<<"`,
          showFile('events', '/tmp/events'),
          showFile('summary', '/tmp/summary'),
        ].join('\n'),
      );
      const seen = markers(run.stdout);
      const summary = seen.get('summary')!;
      expect({ exit: seen.get('apply-exit'), summary }).toMatchObject({ exit: '0' });
      const row = (probe: string) => {
        const m = new RegExp(`^\\s+${probe}\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)$`, 'm').exec(summary);
        if (!m) throw new Error(`no row for ${probe} in:\n${summary}`);
        const [hits, misses, writes, nmissed, faults] = m.slice(1).map(Number);
        return { hits, misses, writes, nmissed, faults };
      };
      // Every getpid() of faulter read and faulted (each also a fault event; hits and misses count other tasks too) ...
      expect(row('0 syscall:getpid')).toMatchObject({ faults: CALLS, nmissed: 0 });
      // ... and each of those page faults reached the tracepoint probe while the syscall probe owned the CPU.
      expect(row('1 tracepoint:exceptions:page_fault_kernel').nmissed).toBeGreaterThanOrEqual(CALLS);
      expect(seen.get('events')).not.toMatch(/^read /m);
      expect(summary).toMatch(/events: (\d+) emitted = \1 delivered \+ 0 dropped/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
