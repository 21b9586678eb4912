// `guru apply --run CMD --as USER` in each test kernel: the command runs
// as that user, so a patch guarded by `uid: 1000` bites it. The first test
// is the command the README, `guru apply --help` and the example's comment
// give, run exactly as a user types it (through --vm); the second checks
// the ids and environment a named user gets, and that root is untouched.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildFor, describeOnFirstKernel, guruCommand, markers, runGuestScript, showFile } from '../helpers/guest.js';

describeOnFirstKernel((storedKernel, ref) => {
  const guruCli = path.resolve('bin/guru.js');

  test(`guru apply examples/echo-one-byte.yaml --vm ${ref} --as 1000 --run '/bin/echo hello' prints h`, async () => {
    await storedKernel();
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [guruCli, 'apply', 'examples/echo-one-byte.yaml', '--vm', ref, '--as', '1000', '--run', '/bin/echo hello'],
      { encoding: 'utf8' },
    );
    // echo's one byte, then the entry probe's log line for the clamped write.
    expect(stdout).toBe('hcount:1, buf:hello\n');
    expect(stderr).toMatch(/session ended \(command ended\)/);
    expect(stderr).toMatch(/0 syscall:write\s+\d+\s+\d+\s+1\s/);
  }, 300_000);

  test('--as NAME runs with that user\'s uid, gid, HOME and USER and no extra groups; without --as the command is root\'s', async () => {
    const kernel = await storedKernel();
    const ko = await buildFor(kernel, 'examples/echo-one-byte.yaml');
    const guru = guruCommand();
    const run = await runGuestScript(
      kernel,
      [
        `${guru} apply ${ko} --as nobody --run 'echo "$(id -u) $(id -g) $(id -G) $HOME $USER" > /tmp/ids' 2>/dev/null`,
        `echo "[as-exit:$?]<<"`,
        showFile('ids', '/tmp/ids'),
        `${guru} apply ${ko} --run '/bin/echo hello > /tmp/root-echo' 2>/dev/null`,
        showFile('root-echo', '/tmp/root-echo'),
        `${guru} apply ${ko} --as no-such-user --run true 2> /tmp/unknown; echo "[unknown-exit:$?]<<"`,
        showFile('unknown', '/tmp/unknown'),
      ].join('\n'),
    );
    const seen = markers(run.stdout);
    expect(seen.get('as-exit')).toBe('0');
    expect(seen.get('ids')).toBe('65534 65534 65534 /nonexistent nobody\n');
    expect(seen.get('root-echo')).toBe('hello\n');
    expect(seen.get('unknown-exit')).toBe('1');
    expect(seen.get('unknown')).toMatch(/--as no-such-user: no such user/);
  }, 300_000);
});
