// Seeds 001, 002 and 004 in their articles' own words (SystemTap's and
// bpftrace's), on every test kernel (GURU_TEST_KERNELS; npm test: Debian 6.1,
// 6.12, 7.3), one boot each: the examples run as written and the guest
// prints what the articles show.
//   examples/stap-ptrace-maps.yaml   which *ptrace* functions `cat /proc/1/maps` runs, and a backtrace at the capability check
//   examples/stap-ptrace-return-codes.yaml  their return codes, typed per wildcard match (-1 (EPERM), a bool as 0/1)
//   examples/bpftrace-read.yaml      read() by kprobe on the syscall's wrapper (garbage, as in the article) and done right (tracepoint, ksys_read, return), with kernel stacks
//   examples/stap-chmod.yaml         syscall.chmod with name, $$vars, argstr, $var$$ and retstr
import fs from 'node:fs';
import path from 'node:path';
import { buildFor, describeEachKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';

/** The functions of SystemTap-style frames (` 0xffffffff81446ef1 : cap_ptrace_access_check+0x1/0x90 [kernel]`), checking each line's form. */
function stapFrames(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(' 0x'))
    .map((l) => {
      expect(l).toMatch(/^ 0x[0-9a-f]{16} : [A-Za-z0-9_.]+\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kernel\]$/);
      return /: ([^+]+)\+/.exec(l)![1]!;
    });
}

/** The frames of bpftrace's kstack in `[...]` right after PREFIX, checking each line's form. */
function kstackAfter(text: string, prefix: RegExp): string[][] {
  const re = new RegExp(`${prefix.source}\\[\\n((?: {8}[A-Za-z0-9_.]+\\+\\d+\\n)*)\\]`, 'gm');
  return [...text.matchAll(re)].map((m) => m[m.length - 1]!.split('\n').filter(Boolean).map((f) => f.trim().replace(/\+\d+$/, '')));
}

/** Where a syscall's enter tracepoint fires: syscall_trace_enter (6.1, 6.12), trace_syscall_enter (7.x). */
const SYSCALL_TRACE_ENTER = /^(syscall_trace_enter|trace_syscall_enter)/;

describeEachKernel((storedKernel) => {
  let seen: Map<string, string>;
  let dir: string;
  const script = (d: string) => `#!/bin/bash\necho x > ${d}/x\ncat ${d}/x\n`;

  beforeAll(async () => {
    const kernel = await storedKernel();
    const examples = ['examples/stap-ptrace-maps.yaml', 'examples/stap-ptrace-return-codes.yaml', 'examples/bpftrace-read.yaml', 'examples/stap-chmod.yaml', 'test/fixtures/runtime/bpftrace-signal.yaml'];
    const [maps, codes, read, chmod, signal] = await Promise.all(examples.map((f) => buildFor(kernel, f)));
    dir = hostTempDir();
    fs.chmodSync(dir, 0o755);
    // The article's little program to trace: a script called foo.
    fs.writeFileSync(path.join(dir, 'foo'), script(dir), { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'anaconda-ks.cfg'), '# kickstart\n', { mode: 0o600 });
    const guru = guruCommand();
    const run = await runGuestScript(
      kernel,
      [
        `${guru} apply ${maps} -o /tmp/maps-user --as 1000 --run 'cat /proc/1/maps > /dev/null 2>&1' 2> /tmp/maps-user-summary`,
        `${guru} apply ${maps} -o /tmp/maps-root --run 'cat /proc/1/maps > /dev/null' 2> /tmp/maps-root-summary`,
        `echo "[maps-exit:$?]<<"`,
        showFile('maps-user', '/tmp/maps-user'),
        showFile('maps-root', '/tmp/maps-root'),
        `${guru} apply ${codes} -o /tmp/codes-user --as 1000 --run 'cat /proc/1/maps > /dev/null 2>&1' 2> /tmp/codes-user-summary`,
        `${guru} apply ${codes} -o /tmp/codes-root --run 'cat /proc/1/maps > /dev/null' 2> /tmp/codes-root-summary`,
        `echo "[codes-exit:$?]<<"`,
        showFile('codes-user', '/tmp/codes-user'),
        showFile('codes-root', '/tmp/codes-root'),
        `${guru} apply ${read} -o /tmp/read --run '${dir}/foo > /dev/null' 2> /tmp/read-summary`,
        `echo "[read-exit:$?]<<"`,
        showFile('read', '/tmp/read'),
        `${guru} apply ${chmod} -o /tmp/chmod --run 'cd ${dir} && busybox chmod 777 anaconda-ks.cfg' 2> /tmp/chmod-summary`,
        `echo "[chmod-exit:$?]<<"`,
        showFile('chmod', '/tmp/chmod'),
        showFile('chmod-summary', '/tmp/chmod-summary'),
        `${guru} apply ${signal} -o /tmp/signal --run 'sleep 30; echo "[sleep-status:$?]<<"' 2> /tmp/signal-summary`,
        showFile('signal', '/tmp/signal'),
        `printf '[kernel-problems:%s]<<\\n' "$(dmesg | grep -cE 'Oops|WARNING:|BUG:')"`,
      ].join('\n'),
    );
    seen = markers(run.stdout);
  }, 900_000);

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('seed 001: the *ptrace* functions a maps read runs, and the path to the capability check', () => {
    expect(seen.get('maps-exit')).toBe('0');
    // As uid 1000, reading init's maps is refused in __ptrace_may_access before any LSM is asked.
    const user = seen.get('maps-user')!.split('\n');
    expect(user).toEqual(expect.arrayContaining(['ptrace_may_access', '__ptrace_may_access']));
    expect(user).not.toContain('cap_ptrace_access_check');
    const root = seen.get('maps-root')!;
    const names = root.split('\n').filter((l) => /^[a-z_0-9]+$/.test(l));
    expect(names.slice(0, 4)).toEqual(['ptrace_may_access', '__ptrace_may_access', 'security_ptrace_access_check', 'cap_ptrace_access_check']);
    // printf("%s -> %s\n", probefunc(), print_backtrace()): the frames follow on the line, one per line.
    const asWritten = /^cap_ptrace_access_check -> ( 0x[\s\S]*?\n)\n/m.exec(root);
    expect(asWritten).not.toBeNull();
    const frames = stapFrames(asWritten![1]!);
    expect(frames[0]).toBe('cap_ptrace_access_check');
    // The path of a /proc/PID/maps open: the security hook, the ptrace check, mm_access, the maps file's open.
    const path = ['cap_ptrace_access_check', 'security_ptrace_access_check', 'ptrace_may_access', 'mm_access', 'proc_mem_open', 'pid_maps_open'];
    expect(frames.filter((f) => path.includes(f))).toEqual(path);
    expect(frames.at(-1)).toBe('entry_SYSCALL_64_after_hwframe');
    // Eigler's printf("%s", probefunc()); print_backtrace(): the same frames, the first on the name's line.
    const eigler = /^cap_ptrace_access_check( 0x[\s\S]*?)\n(?! 0x)/m.exec(root.replace(/^cap_ptrace_access_check -> [\s\S]*?\n\n/m, ''));
    expect(eigler).not.toBeNull();
    expect(stapFrames(eigler![1]!)).toEqual(frames);
  });

  test('seed 001: the return codes, typed: -EPERM as -1 (EPERM) and -1 for uid 1000, a bool as 0 or 1', () => {
    expect(seen.get('codes-exit')).toBe('0');
    // Ball's printf("%s -> ", probefunc()); log(returnstr(1)), then Eigler's printf("%s -> %d", probefunc(), retval()).
    const user = seen.get('codes-user')!.split('\n');
    expect(user).toEqual(expect.arrayContaining(['__ptrace_may_access -> -1 (EPERM)', '__ptrace_may_access -> -1', 'ptrace_may_access -> 0']));
    expect(user).not.toContain('cap_ptrace_access_check -> 0');
    expect(seen.get('codes-user')).not.toMatch(/4294967295|4294967040/);
    // As root the capability check runs and everything answers yes.
    const root = seen.get('codes-root')!.split('\n');
    expect(root).toEqual(
      expect.arrayContaining(['cap_ptrace_access_check -> 0', 'security_ptrace_access_check -> 0', '__ptrace_may_access -> 0', 'ptrace_may_access -> 1']),
    );
    // Every line is one of the two forms, so nothing ran together.
    for (const line of [...user, ...root].filter(Boolean)) expect(line).toMatch(/^[a-z_0-9]+ -> (-?\d+|-\d+ \([A-Z0-9]+\))$/);
  });

  test('seed 002: read() by the wrapper kprobe prints garbage arguments and a kernel stack; ksys_read and the return read them right', () => {
    expect(seen.get('read-exit')).toBe('0');
    const text = seen.get('read')!;
    // Both probes print "hello read(...)", as the article's two scripts do: the wrapper kprobe's stack
    // starts in __x64_sys_read, the tracepoint's where the event fired.
    const hello = kstackAfter(text, /^hello read\(-?\d+, [^\n]*, \d+\) foo\/\d+ /);
    const wrapper = hello.filter((f) => f[0] === '__x64_sys_read');
    expect(hello.filter((f) => f[0] !== '__x64_sys_read' && !SYSCALL_TRACE_ENTER.test(f[0]!))).toEqual([]);
    // arg0 is the wrapper's struct pt_regs pointer, arg1 and arg2 leftovers: garbage, as in the article.
    expect(wrapper.length).toBeGreaterThanOrEqual(2);
    for (const frames of wrapper) {
      expect(frames).toContain('do_syscall_64');
      expect(frames.at(-1)).toBe('entry_SYSCALL_64_after_hwframe');
    }
    // The tracepoint names the arguments: bash reads its script from fd 255; the stack starts where the event fired.
    const tp = kstackAfter(text, new RegExp(`^hello read\\(255, [^\\n]*, ${script(dir).length}\\) foo/\\d+ `));
    expect(tp.length).toBeGreaterThanOrEqual(1);
    for (const frames of tp) {
      expect(frames[0]).toMatch(SYSCALL_TRACE_ENTER);
      expect(frames.at(-1)).toBe('entry_SYSCALL_64_after_hwframe');
    }
    // ksys_read gets the real arguments: bash reads its script from fd 255. kstack(2) keeps two frames
    // (the wrapper tail-calls ksys_read, so its caller shows as do_syscall_64 or x64_sys_call).
    const body = script(dir);
    expect(text).toMatch(new RegExp(`^ksys_read\\(255, ${body.length}\\) foo/\\d+ \\[\\n {8}ksys_read\\+\\d+\\n {8}[a-z_0-9]+\\+\\d+\\n\\]$`, 'm'));
    for (const frames of kstackAfter(text, /^ksys_read\(\d+, \d+\) foo\/\d+ /)) {
      expect(frames.length).toBe(2);
      expect(frames[0]).toBe('ksys_read');
    }
    // At the return, the buffer holds what was read: the script itself.
    expect(text).toContain(`read(255) = ${body.length}: ${body}\n`);
    // Only foo is traced (where: comm: foo), not the cat it runs.
    expect(text).not.toMatch(/\) cat\/\d+ \[/);
  });

  test('seed 004: syscall.chmod shows name, $$vars, argstr, $filename$$, $mode$$ and retstr', () => {
    expect(seen.get('chmod-exit')).toBe('0');
    const m = /^chmod\nfilename=(0x[0-9a-f]+) mode=0x1ff\n"anaconda-ks.cfg", 0777\n"anaconda-ks.cfg"\n511\nchmod\nfilename=(0x[0-9a-f]+) mode=0x1ff\n0\n$/.exec(seen.get('chmod')!);
    expect(m).not.toBeNull();
    expect(m![2]).toBe(m![1]);
    expect(seen.get('chmod-summary')).toMatch(/events: 3 emitted = 3 delivered \+ 0 dropped/);
  });

  test('bpftrace\'s signal("KILL") kills the task that hit the probe', () => {
    expect(seen.get('sleep-status')).toBe('137');
    expect(seen.get('signal')).toMatch(/^guru: raise\(SIGKILL\) sent to pid \d+/m);
  });

  test('the guest kernel logged no oops, warning or BUG', () => {
    expect(seen.get('kernel-problems')).toBe('0');
  });
});
