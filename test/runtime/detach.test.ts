// --detach keeps a patch armed after guru exits, with a kernel-side --ttl:
// the kernel disarms it by itself when the ttl runs out; guru ps shows it;
// guru rm removes it.
import { AS_USER, buildFor, describeOnFirstKernel, guruCommand, markers, runGuestScript } from '../helpers/guest.js';

describeOnFirstKernel((storedKernel) => {
  const MODULE = 'guru_echo_one_byte';

  test('a detached patch stays armed until its ttl, then the kernel disarms it', async () => {
    const kernel = await storedKernel();
    const ko = await buildFor(kernel, 'examples/echo-one-byte.yaml');
    const guru = guruCommand();
    const run = await runGuestScript(
      kernel,
      [
        `${guru} apply ${ko} --detach 2>/dev/null; echo "[detach-exit:$?]<<"`,
        `${guru} apply ${ko} --detach --ttl 20s 2> /tmp/detach.err; echo "[exit:$?]<<"`,
        `printf '[ps:%s]<<\\n' "$(${guru} ps)"`,
        `printf '[armed:'; ${AS_USER} /bin/echo hello; printf ']<<\\n'`,
        // Until the kernel disarms it (however slow this guest is today).
        `i=0; while grep -q 'state detached' /sys/class/misc/${MODULE}/stats && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done`,
        `printf '[expired:'; ${AS_USER} /bin/echo hello; printf ']<<\\n'`,
        `printf '[state:%s]<<\\n' "$(head -1 /sys/class/misc/${MODULE}/stats | sed 's/ *$//')"`,
        `${guru} rm echo_one_byte > /dev/null; printf '[loaded:%s]<<\\n' "$(grep -c '^guru_' /proc/modules)"`,
      ].join('\n'),
    );
    const seen = markers(run.stdout);
    expect(seen.get('detach-exit')).toBe('1'); // --detach without --ttl is refused
    expect(seen.get('exit')).toBe('0');
    expect(seen.get('ps')).toMatch(new RegExp(`^${MODULE}\\s+detached\\s+ttl \\d+s\\s`));
    expect(seen.get('armed')).toBe('h');
    expect(seen.get('expired')).toBe('hello\n');
    expect(seen.get('state')).toBe('state disarmed');
    expect(seen.get('loaded')).toBe('0');
  }, 600_000);
});
