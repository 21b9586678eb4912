// Knobs while armed (issue #10, step 1): --param sets one before arming,
// guru set flips it while the patch runs and the guest's echo changes with
// it both ways; the built-in enabled makes every probe a counted miss, and
// --disable-for has the kernel set it back to 1 by itself. The supervisor's
// stream reports each change, guru ps and the summary show the values.
import { AS_USER, buildFor, describeOnFirstKernel, guruCommand, markers, runGuestScript } from '../helpers/guest.js';

describeOnFirstKernel((storedKernel) => {
  test('guru set changes a knob of an armed patch, and --disable-for re-enables it in the kernel', async () => {
    const kernel = await storedKernel();
    const ko = await buildFor(kernel, 'examples/echo-knob.yaml');
    const guru = guruCommand();
    const params = '/sys/class/misc/guru_echo_knob/params';
    const echo = (mark: string) => `printf '[${mark}:'; ${AS_USER} /bin/echo hello; printf ']<<\\n'`;
    // Runs while armed (--run): each step a guru command, then what echo prints.
    const steps = [
      echo('param'),
      `${guru} set echo_knob fix=0 > /tmp/set.out; echo "[set-exit:$?]<<"`,
      echo('fix0'),
      `printf '[ps:%s]<<\\n' "$(${guru} ps)"`,
      `${guru} set echo_knob fix=2 2> /tmp/bad.err; echo "[bad-exit:$?]<<"; printf '[bad:%s]<<\\n' "$(cat /tmp/bad.err)"`,
      `${guru} set echo_knob fix=1 > /dev/null`,
      echo('fix1'),
      `${guru} set echo_knob enabled=0 > /dev/null`,
      echo('disabled'),
      `printf '[ps-disabled:%s]<<\\n' "$(${guru} ps)"`,
      `${guru} set echo_knob enabled=1 > /dev/null`,
      echo('enabled'),
      `${guru} set echo_knob --disable-for 30s > /dev/null`,
      echo('disabled-for'),
      // Until the kernel's delayed work sets enabled back (however slow this guest is today).
      `i=0; while ! grep -q '^enabled 1 ' ${params} && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done`,
      echo('reenabled'),
    ].join('\n');
    const run = await runGuestScript(
      kernel,
      [
        `cat > /tmp/steps.sh <<'STEPS'\n${steps}\nSTEPS`,
        `${guru} apply ${ko} --param fix=1 --run 'sh /tmp/steps.sh' > /tmp/out 2> /tmp/err; echo "[exit:$?]<<"`,
        // The steps' markers, and the events, are on apply's stdout (--run's output is guru's).
        'cat /tmp/out',
        `printf '[stream:%s]<<\\n' "$(grep '^guru: knob' /tmp/out)"`,
        `printf '[summary:%s]<<\\n' "$(cat /tmp/err)"`,
      ].join('\n'),
      600_000,
    );
    const seen = markers(run.stdout);
    // The summary and the steps' output say why, should the session fail.
    if (seen.get('exit') !== '0') throw new Error(`guru apply exited ${seen.get('exit')}:\n${run.stdout.slice(-4000)}`);
    expect(seen.get('param')).toBe('h'); // --param fix=1 before arming: the spec's initial value is 0
    expect(seen.get('set-exit')).toBe('0');
    expect(seen.get('fix0')).toBe('hello\n');
    expect(seen.get('ps')).toMatch(/^guru_echo_knob\s+armed\s.*\benabled=1 fix=0$/m);
    expect(seen.get('bad-exit')).toBe('1');
    expect(seen.get('bad')).toContain('fix=2 is out of range: fix is a bool (0 or 1)');
    expect(seen.get('fix1')).toBe('h');
    expect(seen.get('disabled')).toBe('hello\n');
    expect(seen.get('ps-disabled')).toMatch(/\benabled=0 fix=1$/m);
    expect(seen.get('enabled')).toBe('h');
    expect(seen.get('disabled-for')).toBe('hello\n');
    expect(seen.get('reenabled')).toBe('h');
    // The stream, in the order the kernel applied them; pids are guru set's.
    const stream = seen.get('stream')!.split('\n').map((l) => l.replace(/pid \d+/, 'pid N'));
    expect(stream).toEqual([
      'guru: knob fix: 1 -> 0 (guru set, pid N)',
      'guru: knob fix: 0 -> 1 (guru set, pid N)',
      'guru: knob enabled: 1 -> 0 (guru set, pid N)',
      'guru: knob enabled: 0 -> 1 (guru set, pid N)',
      'guru: knob enabled: 1 -> 0 for 30 s (guru set --disable-for, pid N)',
      'guru: knob enabled: 0 -> 1 (the --disable-for time ran out)',
    ]);
    expect(seen.get('summary')).toContain('knobs: enabled=1 fix=1 (6 changes while armed, in the events above)');
  }, 900_000);
});
