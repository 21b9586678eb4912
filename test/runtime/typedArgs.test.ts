// Typed kprobe arguments in Debian's 6.1 kernel (BTF from the stored
// image): a kretprobe on `int inode_permission(...)` logs -EACCES as -13
// (as an untyped long it would read 4294967283), and a kprobe on vfs_write
// reads $count and $buf by name.
import { AS_USER, buildFor, describeOnFirstKernel, guruCommand, markers, runGuestScript, showFile } from '../helpers/guest.js';

describeOnFirstKernel((storedKernel) => {
  test('a negative int $return is signed, named arguments read right', async () => {
    const kernel = await storedKernel();
    const ko = await buildFor(kernel, 'test/fixtures/runtime/typed-args.yaml');
    const run = await runGuestScript(
      kernel,
      [
        // The guest's /tmp shows the host's: work in a fresh directory.
        'd=$(mktemp -d) && chmod 755 $d && echo secret > $d/secret && chmod 600 $d/secret && echo hello > $d/hello && chmod 644 $d/hello',
        // cat (uid 1000) is refused the secret (EACCES), then copies hello into a pipe.
        `${guruCommand()} apply ${ko} -o /tmp/events --run "${AS_USER} sh -c 'cat $d/secret; cat $d/hello | cat > /dev/null'" 2> /tmp/summary`,
        `echo "[apply-exit:$?]<<"`,
        showFile('events', '/tmp/events'),
        showFile('summary', '/tmp/summary'),
      ].join('\n'),
    );
    const seen = markers(run.stdout);
    expect(seen.get('apply-exit')).toBe('0');
    const events = seen.get('events')!;
    expect(events).toMatch(/^inode_permission mask=\d+ -> -13$/m);
    expect(events).not.toMatch(/4294967283/);
    expect(events).toMatch(/^vfs_write count=6 buf=hello\n$/m);
    // cat's complaint about the secret goes through vfs_write too.
    expect(events).toMatch(/^vfs_write count=\d+ buf=: Permission denied$/m);
  }, 600_000);
});
