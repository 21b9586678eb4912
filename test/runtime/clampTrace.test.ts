// examples/echo-clamp-trace.yaml: clamping alone makes echo retry byte by
// byte (seed 000); the event stream shows each retry's buffer in order and
// echo's output is still complete.
import { AS_USER, buildFor, describeOnFirstKernel, guruCommand, markers, runGuestScript, showFile, waitArmed } from '../helpers/guest.js';

describeOnFirstKernel((storedKernel) => {
  test('events show hello, ello, llo, lo, o and the output is hello', async () => {
    const kernel = await storedKernel();
    const ko = await buildFor(kernel, 'examples/echo-clamp-trace.yaml');
    const run = await runGuestScript(
      kernel,
      [
        `${guruCommand()} apply ${ko} -o /tmp/events --run '${AS_USER} /bin/echo hello > /tmp/out' 2> /tmp/summary`,
        `echo "[apply-exit:$?]<<"`,
        showFile('out', '/tmp/out'),
        showFile('events', '/tmp/events'),
        showFile('summary', '/tmp/summary'),
      ].join('\n'),
    );
    const seen = markers(run.stdout);
    expect(seen.get('apply-exit')).toBe('0');
    expect(seen.get('out')).toBe('hello\n');
    // user_string($buf) reads up to a NUL: each retry's buffer starts one byte later.
    const buffers = [...seen.get('events')!.matchAll(/^count:1, buf:(\S*)/gm)].map((m) => m[1]);
    expect(buffers).toEqual(['hello', 'ello', 'llo', 'lo', 'o']);
    expect(seen.get('summary')).toMatch(/0 syscall\.write\s+\d+\s+\d+\s+5\s/);
  }, 600_000);

  test('--duration ends the session; --json gives one event object per line', async () => {
    const kernel = await storedKernel();
    const ko = await buildFor(kernel, 'examples/echo-clamp-trace.yaml');
    const run = await runGuestScript(
      kernel,
      [
        `${guruCommand()} apply ${ko} --duration 6s --json -o /tmp/events 2> /tmp/summary & P=$!`,
        waitArmed('guru_echo_clamp_trace'),
        `${AS_USER} /bin/echo hi > /dev/null`,
        `wait $P; echo "[apply-exit:$?]<<"`,
        showFile('events', '/tmp/events'),
        showFile('summary', '/tmp/summary'),
      ].join('\n'),
    );
    const seen = markers(run.stdout);
    expect(seen.get('apply-exit')).toBe('0');
    expect(seen.get('summary')).toMatch(/session ended \(duration\)/);
    const events = seen.get('events')!.trim().split('\n').map((l) => JSON.parse(l) as { type: string; on: string; text: string; values: string[]; pid: number });
    expect(events.map((e) => e.text)).toEqual(['count:1, buf:hi\n', 'count:1, buf:i\n']);
    for (const e of events) {
      expect(e).toMatchObject({ type: 'log', on: 'syscall.write', values: ['1', e.text.slice('count:1, buf:'.length)] });
      expect(e.pid).toBeGreaterThan(1);
    }
  }, 600_000);
});
