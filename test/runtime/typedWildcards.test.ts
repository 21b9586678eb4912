// Typed wildcards, on each test kernel: every match of
// kernel.function("*ptrace*").return has its own BTF-typed $return, so
// `cat /proc/1/maps` as uid 1000 logs __ptrace_may_access's -EPERM as -1
// (an untyped long read it as 4294967295) and ptrace_may_access's false as 0
// (not 4294967040); the summary says how many functions matched, how many
// are probed, and names each one that is not, with why.
import { readManifest } from '../../src/kbuild/readManifest.js';
import { AS_USER, buildFor, describeEachKernel, guruCommand, markers, runGuestScript, showFile } from '../helpers/guest.js';

describeEachKernel((storedKernel) => {
  test('each *ptrace* match returns its own type; the summary accounts for every match', async () => {
    const kernel = await storedKernel();
    const ko = await buildFor(kernel, 'test/fixtures/runtime/typed-wildcard.yaml');
    const matched = readManifest(ko).probes[0]!.matched!;
    const run = await runGuestScript(
      kernel,
      [
        `${guruCommand()} apply ${ko} -o /tmp/events --run "${AS_USER} cat /proc/1/maps" 2> /tmp/summary`,
        `echo "[apply-exit:$?]<<"`,
        showFile('events', '/tmp/events'),
        showFile('summary', '/tmp/summary'),
      ].join('\n'),
    );
    const seen = markers(run.stdout);
    expect(seen.get('apply-exit')).toBe('1'); // cat is refused
    const events = seen.get('events')!;
    expect(events).toMatch(/^__ptrace_may_access -> -1$/m);
    expect(events).toMatch(/^ptrace_may_access -> 0$/m);
    expect(events).not.toMatch(/4294967295|4294967040/);
    const summary = seen.get('summary')!;
    // The summary names the first 20 not probed, then counts the rest (7.3 has 53: its LSM static-call trampolines are refused).
    const line = new RegExp(`^  probe 0 kernel\\.function\\("\\*ptrace\\*"\\)\\.return: ${matched.length} matched, (\\d+) probed(?:; not probed: (.*?)(?:, and (\\d+) more)?)?$`, 'm').exec(summary);
    expect(line).not.toBeNull();
    const notProbed = line![2] ? line![2].split(/, (?=[A-Za-z_0-9.]+ \()/) : [];
    expect(notProbed.length).toBeLessThanOrEqual(20);
    // Every match is either probed or not probed: named with its reason, or counted.
    expect(Number(line![1]) + notProbed.length + Number(line![3] ?? 0)).toBe(matched.length);
    expect(notProbed.some((n) => /^__audit_ptrace \(\$return cannot be used at kretprobe:__audit_ptrace: the function returns void\)$/.test(n))).toBe(true);
    for (const n of notProbed) expect(matched).toContain(n.split(' ')[0]);
  }, 600_000);
});
