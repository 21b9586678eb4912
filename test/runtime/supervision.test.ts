// Supervision (docs/supervision.md): SIGKILL of the supervisor disarms the patch at
// once (the kernel side sees its control file close) and `guru rm --all`
// then removes the module; SIGINT and SIGTERM end the session cleanly with a
// summary and no module left behind, also when the signal comes while the
// module is still being loaded (before guru listened, it killed guru and
// left the module loaded).
import { AS_USER, buildFor, describeOnFirstKernel, guruCommand, markers, runGuestScript, showFile, waitArmed } from '../helpers/guest.js';

describeOnFirstKernel((storedKernel) => {
  const MODULE = 'guru_echo_one_byte';

  test('SIGKILL disarms at once, guru rm --all removes the module; SIGINT and SIGTERM summarise and unload, also during loading', async () => {
    const kernel = await storedKernel();
    const ko = await buildFor(kernel, 'examples/echo-one-byte.yaml');
    const guru = guruCommand();
    const ms = `$(($(date +%s%N)/1000000))`;
    const run = await runGuestScript(
      kernel,
      [
        // SIGKILL
        `${guru} apply ${ko} -o /tmp/ev1 2>/dev/null & P=$!`,
        waitArmed(MODULE),
        `printf '[before:'; ${AS_USER} /bin/echo hello; printf ']<<\\n'`,
        `t0=${ms}; kill -9 $P; wait $P`,
        `printf '[after:'; ${AS_USER} /bin/echo hello; printf ']<<\\n'; t1=${ms}`,
        `echo "kill to unpatched: $((t1 - t0)) ms (not asserted: a TCG guest's time)" >&2`,
        `printf '[state-after-kill:%s]<<\\n' "$(head -1 /sys/class/misc/${MODULE}/stats | sed 's/ *$//')"`,
        `printf '[loaded-after-kill:%s]<<\\n' "$(grep -c '^${MODULE} ' /proc/modules)"`,
        `${guru} rm --all > /tmp/rm.out; echo "[rm-exit:$?]<<"`,
        `printf '[loaded-after-rm:%s]<<\\n' "$(grep -c '^guru_' /proc/modules)"`,
        // SIGINT and SIGTERM (a background job starts with SIGINT ignored; guru catches it anyway).
        ...['INT', 'TERM'].flatMap((sig) => [
          `${guru} apply ${ko} -o /tmp/ev-${sig} 2> /tmp/summary-${sig} & P=$!`,
          waitArmed(MODULE),
          `kill -${sig} $P; wait $P; echo "[exit-${sig}:$?]<<"`,
          showFile(`summary-${sig}`, `/tmp/summary-${sig}`),
          `printf '[loaded-after-${sig}:%s]<<\\n' "$(grep -c '^guru_' /proc/modules)"`,
        ]),
        // SIGTERM as soon as the module shows in /proc/modules: guru is still
        // setting up (opening the control file, arming).
        `${guru} apply ${ko} -o /tmp/ev-early 2> /tmp/summary-early & P=$!`,
        `i=0; until grep -q '^${MODULE} ' /proc/modules || [ $i -ge 20000 ]; do i=$((i+1)); done`,
        `kill -TERM $P; wait $P; echo "[exit-early:$?]<<"`,
        showFile('summary-early', '/tmp/summary-early'),
        `printf '[loaded-after-early:%s]<<\\n' "$(grep -c '^guru_' /proc/modules)"`,
        `printf '[after-early:'; ${AS_USER} /bin/echo hello; printf ']<<\\n'`,
      ].join('\n'),
    );
    const seen = markers(run.stdout);
    if (process.env.GURU_DEBUG) console.log(run.stdout, run.stderr);
    expect(seen.get('before')).toBe('h');
    expect(seen.get('after')).toBe('hello\n');
    expect(seen.get('state-after-kill')).toBe('state disarmed');
    expect(seen.get('loaded-after-kill')).toBe('1');
    expect(seen.get('rm-exit')).toBe('0');
    expect(seen.get('loaded-after-rm')).toBe('0');
    for (const sig of ['INT', 'TERM']) {
      expect(seen.get(`exit-${sig}`)).toBe('0');
      expect(seen.get(`summary-${sig}`)).toMatch(new RegExp(`${MODULE}: session ended \\(SIG${sig}\\)`));
      expect(seen.get(`summary-${sig}`)).toMatch(/events: (\d+) emitted = \1 delivered \+ 0 dropped/);
      expect(seen.get(`loaded-after-${sig}`)).toBe('0');
    }
    expect(seen.get('exit-early')).toBe('0');
    expect(seen.get('summary-early')).toMatch(new RegExp(`${MODULE}: session ended \\(SIGTERM\\)`));
    expect(seen.get('loaded-after-early')).toBe('0');
    expect(seen.get('after-early')).toBe('hello\n');
  }, 600_000);
});
