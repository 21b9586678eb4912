// The other examples' observable effects in Debian's 6.1 kernel (the echo
// examples have their own files): a kprobe + kretprobe on an ordinary kernel
// function with a backtrace, and a probe at an offset inside a function.
import { buildFor, describeOnFirstKernel, guruCommand, markers, runGuestScript, showFile } from '../helpers/guest.js';

describeOnFirstKernel((storedKernel) => {
  test('ptrace-return-codes and openat-offset do what their comments say', async () => {
    const kernel = await storedKernel();
    const ptrace = await buildFor(kernel, 'examples/ptrace-return-codes.yaml');
    const openat = await buildFor(kernel, 'examples/openat-offset.yaml');
    const guru = guruCommand();
    const run = await runGuestScript(
      kernel,
      [
        // Reading another process's maps goes through the ptrace access check.
        `${guru} apply ${ptrace} -o /tmp/ptrace --run 'cat /proc/1/maps > /dev/null' 2> /tmp/ptrace-summary`,
        `echo "[ptrace-exit:$?]<<"`,
        showFile('ptrace', '/tmp/ptrace'),
        `${guru} apply ${openat} -o /tmp/openat --run 'cat /etc/hostname /etc/os-release > /dev/null' 2> /tmp/openat-summary`,
        `echo "[openat-exit:$?]<<"`,
        showFile('openat', '/tmp/openat'),
        showFile('openat-summary', '/tmp/openat-summary'),
      ].join('\n'),
    );
    const seen = markers(run.stdout);
    expect(seen.get('ptrace-exit')).toBe('0');
    const ptraceEvents = seen.get('ptrace')!;
    expect(ptraceEvents).toMatch(/^cap_ptrace_access_check called by cat \(pid \d+\)$/m);
    expect(ptraceEvents).toMatch(/^backtrace at kernel\.function\("cap_ptrace_access_check"\) \[pid \d+ tid \d+\]:\n cap_ptrace_access_check\+0x/m);
    // The caller chain of a /proc/PID/maps read (security hook, then ptrace_may_access).
    expect(ptraceEvents).toMatch(/security_ptrace_access_check\+0x/);
    expect(ptraceEvents).toMatch(/ptrace_may_access\+0x/);
    expect(ptraceEvents).toMatch(/^cap_ptrace_access_check -> 0$/m);

    expect(seen.get('openat-exit')).toBe('0');
    const opens = seen.get('openat')!.match(/^cat opens a file \(\d+ so far\)$/gm) ?? [];
    // cat opens at least its two arguments (plus its libraries); end reports the same count.
    expect(opens.length).toBeGreaterThanOrEqual(2);
    expect(seen.get('openat')).toContain(`cat opened ${opens.length} files\n`);
    expect(seen.get('openat-summary')).toMatch(/0 kprobe:do_sys_openat2\+0x5\s+\d+\s+\d+\s+0\s+0\s+0/);
  }, 600_000);
});
