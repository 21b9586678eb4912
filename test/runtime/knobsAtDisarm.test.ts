// A --disable-for still pending when the session ends (Ctrl-C, a ttl, the
// --run command exiting): the end probes run all the same and the stream
// reports the knob back at 1, instead of END becoming a counted miss and
// the module keeping enabled=0 with no re-enable pending (kernel review of
// the knobs, issue #10).
import { buildFor, describeOnFirstKernel, guruCommand, markers, runGuestScript, showFile } from '../helpers/guest.js';

describeOnFirstKernel((storedKernel) => {
  test('a session ending inside a --disable-for runs its end probe and ends enabled', async () => {
    const kernel = await storedKernel();
    const ko = await buildFor(kernel, 'test/fixtures/runtime/knob-end.yaml');
    const guru = guruCommand();
    const run = await runGuestScript(
      kernel,
      [
        `${guru} apply ${ko} -o /tmp/events --run '${guru} set knob_end --disable-for 600s' 2> /tmp/summary; echo "[exit:$?]<<"`,
        showFile('events', '/tmp/events'),
        showFile('summary', '/tmp/summary'),
      ].join('\n'),
    );
    const seen = markers(run.stdout);
    expect(seen.get('exit')).toBe('0');
    const events = seen.get('events')!.split('\n').filter(Boolean);
    expect(events.at(-1)).toBe('end ran');
    expect(seen.get('summary')).toMatch(/knobs: enabled=1 \(2 changes/);
  }, 600_000);
});
