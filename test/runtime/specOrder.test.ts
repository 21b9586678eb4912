// Probes on one function run in spec order (the kernel runs kprobes that
// share an address newest first): the second of two probes on vfs_read
// reads what the first stored in this very call, at entry and at return;
// so do a wildcard's matches on vfs_read, listed before or after them.
import { buildFor, debianKernel, guruCommand, markers, runGuestScript, showFile } from '../helpers/guest.js';

test('the second probe on vfs_read sees what the first stored in the same call', async () => {
  const kernel = await debianKernel();
  const ko = await buildFor(kernel, 'test/fixtures/runtime/spec-order.yaml');
  const run = await runGuestScript(
    kernel,
    [`${guruCommand()} apply ${ko} -o /tmp/events --run 'cat /etc/hostname /etc/os-release > /dev/null' 2> /tmp/summary`, `echo "[apply-exit:$?]<<"`, showFile('events', '/tmp/events'), showFile('summary', '/tmp/summary')].join('\n'),
  );
  const seen = markers(run.stdout);
  expect(seen.get('apply-exit')).toBe('0');
  const lines = seen.get('events')!.trim().split('\n');
  const entries = lines.filter((l) => l.startsWith('entry'));
  const returns = lines.filter((l) => l.startsWith('return'));
  expect(entries.length).toBeGreaterThanOrEqual(2);
  expect(returns.length).toBe(entries.length);
  for (const who of ['second', 'after a wildcard', 'wildcard after them']) expect(entries.filter((l) => l.startsWith(`entry ${who} sees`)).length).toBe(entries.length / 3);
  for (const l of lines) {
    const m = /^(?:entry|return) (?:second|after a wildcard|wildcard after them) sees (-?\d+) of (-?\d+)$/.exec(l);
    expect({ line: l, same: m !== null && m[1] === m[2] }).toEqual({ line: l, same: true });
  }
}, 600_000);

// Across families: the syscall family's kprobe on write(2)'s wrapper and
// kprobe:__x64_sys_write (the wrapper on 6.1, 6.12 and 7.3) share one
// kprobe (src/render/sharedKprobes.ts), so a var passed from syscall:write
// to the kprobe and back to the next syscall:write is this call's count.
test('syscall:write and kprobe:__x64_sys_write run in spec order in one kprobe', async () => {
  const kernel = await debianKernel();
  const ko = await buildFor(kernel, 'test/fixtures/runtime/spec-order-families.yaml');
  const run = await runGuestScript(
    kernel,
    [
      'cp /bin/echo /tmp/spec-order-w',
      `${guruCommand()} apply ${ko} -o /tmp/events --run '/tmp/spec-order-w hello > /dev/null; /tmp/spec-order-w hi there > /dev/null' 2> /tmp/summary`,
      `echo "[apply-exit:$?]<<"`, showFile('events', '/tmp/events'), showFile('summary', '/tmp/summary'),
    ].join('\n'),
  );
  const seen = markers(run.stdout);
  expect(seen.get('apply-exit')).toBe('0');
  expect(seen.get('events')!.trim().split('\n')).toEqual(['kprobe saw 6 of 6', 'kprobe saw 9 of 9']);
}, 600_000);
