// Unsigned comparisons in the kernel (issue #10, step 7): echo's write of
// "hello\n" has count 6 (a size_t) and fd 1 (an unsigned int). As in C,
// count - 10 wraps and is above 0, the all-ones literal is above count,
// and count > -1 is false; the unsigned int fd widens to a signed value.
import { buildFor, describeOnFirstKernel, guruCommand, markers, runGuestScript } from '../helpers/guest.js';

describeOnFirstKernel((storedKernel) => {
  test('an unsigned operand makes a comparison unsigned, a u32 one does not', async () => {
    const kernel = await storedKernel();
    const ko = await buildFor(kernel, 'test/fixtures/runtime/unsigned-compare.yaml');
    const run = await runGuestScript(kernel, `${guruCommand()} apply ${ko} --run '/bin/echo hello > /dev/null' > /tmp/out 2>/dev/null; echo "[exit:$?]<<"; printf '[log:%s]<<\\n' "$(grep wrapped /tmp/out)"`);
    const seen = markers(run.stdout);
    expect(seen.get('exit')).toBe('0');
    expect(seen.get('log')).toBe('wrapped:1 narrow:0 max:1 minus_one:0');
  }, 600_000);
});
