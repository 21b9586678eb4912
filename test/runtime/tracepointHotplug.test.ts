// A CPU taken offline and brought back while a tracepoint probe is armed
// gets its events seen again. The probe's perf counters are per CPU, and
// perf detaches a CPU's counters for good when it goes offline: before
// kmod/guru_tracepoint.c renewed them from a CPU hotplug callback, a
// program pinned to the CPU after it came back was never seen. The renewal
// is done by a work item the callback queues (it may not make counters
// under the hotplug lock), so the script first waits, running a warm-up
// program on the CPU, until the probe sees it (at most 200 tries), then
// runs the counted one.
import fs from 'node:fs';
import { buildFor, compileProgram, describeOnFirstKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';

const CALLS = 50;

describeOnFirstKernel((storedKernel) => {
  test('cpu1 offline and online again while armed: a program pinned to it is counted', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      fs.writeFileSync(
        `${dir}/spec.yaml`,
        `guru: 1
name: rt_tp_hotplug
where: { comm: [warmup, pinned] }
probes:
  - on: tracepoint:syscalls:sys_enter_getpid
    do: log("%s cpu=%d", comm, cpu)
`,
      );
      const ko = await buildFor(kernel, `${dir}/spec.yaml`);
      const prog = await compileProgram('pinned.c', dir, 'pinned');
      fs.copyFileSync(prog, `${dir}/warmup`);
      fs.writeFileSync(
        `${dir}/run.sh`,
        [
          'online=/sys/devices/system/cpu/cpu1/online',
          'echo 0 > $online && echo "offline=$(cat $online)"',
          'echo 1 > $online && echo "online=$(cat $online)"',
          `i=0; until grep -q '^warmup cpu=1$' /tmp/events 2>/dev/null || [ $i -ge 200 ]; do ${dir}/warmup 1 1 > /dev/null; sleep 0.05; i=$((i+1)); done`,
          `echo "warmups=$i"`,
          `${prog} 1 ${CALLS}`,
        ].join('\n'),
      );
      const run = await runGuestScript(
        kernel,
        [
          `${guruCommand()} apply ${ko} -o /tmp/events --run "sh ${dir}/run.sh" > /tmp/out 2> /tmp/summary`,
          `echo "[apply-exit:$?]<<"`,
          showFile('out', '/tmp/out'),
          showFile('events', '/tmp/events'),
          showFile('summary', '/tmp/summary'),
        ].join('\n'),
        { cpus: 2 },
      );
      const seen = markers(run.stdout);
      expect({ exit: seen.get('apply-exit'), summary: seen.get('summary') }).toMatchObject({ exit: '0' });
      const out = seen.get('out')!;
      expect(out).toMatch(/^offline=0$/m);
      expect(out).toMatch(/^online=1$/m);
      expect(out).toMatch(/^cpu=1$/m);
      const warmups = Number(/^warmups=(\d+)$/m.exec(out)?.[1]);
      expect(warmups).toBeLessThan(200);
      const events = seen.get('events')!.split('\n');
      expect(events.filter((l) => l === 'pinned cpu=1')).toHaveLength(CALLS);
      expect(events.filter((l) => l.startsWith('pinned') && l !== 'pinned cpu=1')).toEqual([]);
      expect(seen.get('summary')).toMatch(/events: (\d+) emitted = \1 delivered \+ 0 dropped/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
