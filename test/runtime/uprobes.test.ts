// Uprobes in Debian's kernels: a test program (PIE, built by the test) has
// greet()'s string argument read from user memory and its count rewritten
// at entry, its return value read and rewritten at return, the program's
// own output showing both; the same function in a non-PIE build and in a
// stripped one (symbols from .dynsym only), the non-PIE one through a
// pattern (func names the match); libc's puts and getenv probed
// by library name (getenv's answer taken away: the program sees it unset);
// a library the program dlopen()s after the probes were armed; raise(SIGKILL)
// killing only the matching run, from a uprobe (sent at once) and from an
// int3 kprobe (NMI context: sent from an irq_work), counted in the summary;
// and another build of the binary at the probed path refused at load time.
// Seed 003's trace.c (gcc -g -O0): its call flow from wildcard entry and
// return probes, and traceme's return rewritten so traceme2(1, 1) takes the
// other branch (larger instead of smaller); user statements: main's $ret
// read at the talk's line 36 (38 here), and traceme2's local $number
// written in its stack frame before the branch reads it, so
// traceme2(5, 5) takes smaller. One boot per kernel does it all.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { buildFor, describeEachKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';

const SOURCE = path.resolve('test/fixtures/programs/greeter.c');
const LIBRARY = path.resolve('test/fixtures/programs/shout.c');
const TRACE = path.resolve('test/fixtures/programs/trace.c');

/** The spec, naming the binaries in DIR. */
function spec(dir: string): string {
  return `guru: 1
name: rt_uprobes
where: { comm: "greeter*" }
vars:
  asked: { type: bool, scope: thread }
probes:
  - on: uprobe:${dir}/greeter:greet
    if: $arg2 == 3
    do:
      - log("pie %s(%s, %d)", func, user_string($arg1), $arg2)
      - $arg2 = 5
  - on: uretprobe:${dir}/greeter:greet
    do:
      - log("pie greet returned %d", $return)
      - $return = $return + 1000
  - on: process("${dir}/greeter-nopie").function("gree*")
    do: log("nopie %s(%s, %d)", func, user_string($arg1), $arg2)
  - on: uprobe:${dir}/greeter-stripped:greet
    if: user_string($arg1) == "mallory"
    do: raise(SIGKILL)
  - on: ur:${dir}/greeter-stripped:greet
    do: log("stripped greet returned %d", $return)
  - on: u:libc.so.6:puts
    do: log("%s puts(%s)", comm, user_string($arg1))
  - on: uprobe:libc.so.6:getenv
    if: user_string($arg1) == "GREETING"
    do:
      - log("%s getenv(%s)", comm, user_string($arg1))
      - asked = 1
  - on: uretprobe:libc.so.6:getenv
    if: asked && $return != 0
    do: log("getenv returned %s", user_string($return))
  - on: uretprobe:libc.so.6:getenv
    if: asked
    do:
      - $return = 0
      - asked = 0
  - on: uprobe:${dir}/libshout.so:shout
    do: log("shout(%s)", user_string($arg1))
  - on: uretprobe:${dir}/libshout.so:shout
    do: $return = 99
  - on: kprobe:do_sys_openat2+0x5
    where: { comm: nmi-victim }
    do: raise(SIGKILL)
`;
}

/** Seed 003's call flow: entries and returns of the talk's functions, traceme's 2 made 20, and user statements. */
function traceSpec(dir: string): string {
  return `guru: 1
name: rt_trace_flow
where: { comm: trace }
probes:
  - on: uprobe:${dir}/trace:main
    do: log("-> %s", func)
  - on: process("${dir}/trace").function("trace*").call
    do: log("-> %s", func)
  - on: process("${dir}/trace").function("trace*").return
    do: log("<- %s return %d", func, $return)
  - on: uretprobe:${dir}/trace:traceme
    if: $return == 2
    do: $return = 20
  - on: u:${dir}/trace:smaller
    do: log("-> %s", func)
  - on: u:${dir}/trace:larger
    do: log("-> %s", func)
  - on: process("${dir}/trace").statement("main@trace.c:38")
    do: log("ret val here is %d", $ret)
  - on: ustatement:${dir}/trace:traceme2@trace.c:27
    if: $x == 5
    do: $number = $number - 9
`;
}

describeEachKernel((storedKernel) => {
  test('arguments and return values of user functions, read and rewritten: PIE, non-PIE, stripped, libc by name, a library dlopen()ed after arming, raise(SIGKILL) on one; the call flow of seed 003 and its other branch', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      await execa('gcc', ['-O2', '-rdynamic', '-o', `${dir}/greeter`, SOURCE]);
      await execa('gcc', ['-O2', '-no-pie', '-o', `${dir}/greeter-nopie`, SOURCE]);
      await execa('gcc', ['-O2', '-rdynamic', '-o', `${dir}/greeter-stripped`, SOURCE]);
      await execa('strip', ['--strip-all', `${dir}/greeter-stripped`]);
      await execa('gcc', ['-O2', '-shared', '-fPIC', '-o', `${dir}/libshout.so`, LIBRARY]);
      fs.copyFileSync('/bin/cat', `${dir}/nmi-victim`);
      await execa('gcc', ['-g', '-O0', '-o', `${dir}/trace`, TRACE]);
      fs.writeFileSync(`${dir}/trace.yaml`, traceSpec(dir));
      const traceKo = await buildFor(kernel, `${dir}/trace.yaml`);
      fs.writeFileSync(`${dir}/spec.yaml`, spec(dir));
      const ko = await buildFor(kernel, `${dir}/spec.yaml`);
      const run = await runGuestScript(
        kernel,
        [
          // Kprobes stay int3 breakpoints (not jumps), so the kprobe's raise() runs in NMI context.
          'echo 0 > /proc/sys/debug/kprobes-optimization',
          `${guruCommand()} apply ${ko} -o /tmp/events --run "GREETING=hello ${dir}/greeter bob ${dir}/libshout.so > /tmp/out; ${dir}/greeter-nopie alice >> /tmp/out; ${dir}/greeter-stripped carol >> /tmp/out; ${dir}/greeter-stripped mallory >> /tmp/out; echo mallory exit \\$? >> /tmp/out; ${dir}/nmi-victim /etc/hostname >> /tmp/out; echo nmi-victim exit \\$? >> /tmp/out" 2> /tmp/summary`,
          `echo "[apply-exit:$?]<<"`,
          showFile('events', '/tmp/events'),
          showFile('out', '/tmp/out'),
          showFile('summary', '/tmp/summary'),
          // Seed 003: the talk's program, its call flow, and the other branch taken.
          `${guruCommand()} apply ${traceKo} -o /tmp/flow --run "${dir}/trace > /tmp/trace-out" 2> /tmp/trace-summary`,
          `echo "[trace-exit:$?]<<"`,
          showFile('flow', '/tmp/flow'),
          showFile('trace-out', '/tmp/trace-out'),
          // Another build of the binary at the same path: the module refuses to plant breakpoints in it.
          `cp ${dir}/greeter-nopie ${dir}/greeter && ${guruCommand()} apply ${ko} --run true > /tmp/other 2>&1`,
          `echo "[other-exit:$?]<<"`,
          showFile('other', '/tmp/other'),
          `printf '[other-dmesg:'; dmesg | grep 'not the one guru built for'; printf ']<<\\n'`,
        ].join('\n'),
        420_000,
      );
      const seen = markers(run.stdout);
      expect({ exit: seen.get('apply-exit'), summary: seen.get('summary') }).toMatchObject({ exit: '0' });
      // The program saw the rewritten count (5, not 3) and the rewritten return (5 * 3 + 1000).
      expect(seen.get('out')).toBe(
        // getenv's answer is taken away (GREETING is set for the first run only); the dlopen()ed shout returns 99.
        'greet(bob, 5)\ngreet returned 1015\nGREETING=(unset)\nbob!\nshout returned 99\ngoodbye\n' +
          'greet(alice, 3)\ngreet returned 15\nGREETING=(unset)\ngoodbye\n' +
          'greet(carol, 3)\ngreet returned 15\nGREETING=(unset)\ngoodbye\n' +
          // raise(SIGKILL) at greet's entry: mallory's run dies before greet prints; only it.
          'mallory exit 137\n' +
          // raise(SIGKILL) in an int3 kprobe (NMI context): sent from an irq_work, before cat could read anything.
          'nmi-victim exit 137\n',
      );
      const events = seen.get('events')!;
      const killed = new RegExp(`^guru: raise\\(SIGKILL\\) sent to pid (\\d+) \\[uprobe:${dir}/greeter-stripped:greet\\]$`, 'm').exec(events);
      expect(killed).not.toBeNull();
      const deferred = /^guru: raise\(SIGKILL\) sent to pid (\d+) \(from an irq_work: the probe ran in NMI context\) \[kprobe:do_sys_openat2\+0x5\]$/m.exec(events);
      expect(deferred).not.toBeNull();
      expect(seen.get('summary')).toContain(
        `  signals: 2 raised, 2 sent\n    raise(SIGKILL) sent to pid ${killed![1]} (probe 3)\n    raise(SIGKILL) sent to pid ${deferred![1]} (from an irq_work: the probe ran in NMI context) (probe 11)\n`,
      );
      expect(events.replace(killed![0], 'KILLED').replace(deferred![0], 'DEFERRED')).toBe(
        [
          'pie greet(bob, 3)',
          'pie greet returned 15',
          'greeter getenv(GREETING)',
          'getenv returned hello',
          'shout(bob)',
          'greeter puts(goodbye)',
          'nopie greet(alice, 3)',
          'greeter-nopie getenv(GREETING)',
          'greeter-nopie puts(goodbye)',
          'stripped greet returned 15',
          'greeter-strippe getenv(GREETING)',
          'greeter-strippe puts(goodbye)',
          'KILLED',
          'DEFERRED',
          '',
        ].join('\n'),
      );
      expect(seen.get('trace-exit')).toBe('0');
      // traceme2(5, 5)'s number made 1 at line 27: smaller; traceme(1, 1) returned 20 instead of 2: traceme2
      // took larger() where the program alone prints smaller.
      expect(seen.get('trace-out')).toBe('smaller\nlarger\nlarger\n');
      const flow = (calls: string) => calls.trim().split(/\s+/).map((c) => (c.startsWith('<') ? `<- ${c.slice(1).replace(':', ' return ')}` : `-> ${c.slice(1)}`));
      expect(seen.get('flow')!.split('\n').filter(Boolean)).toEqual([
        ...flow('>main >traceme <traceme:3'),
        // The talk's `statement("main@code/talk/trace.c:36")`: ret is traceme(1, 2)'s 3.
        'ret val here is 3',
        ...flow(`>traceme2 >traceme <traceme:10 >smaller <traceme2:0
              >traceme2 >traceme <traceme:2 >larger <traceme2:0
              >traceme <traceme:6 >traceme2 >traceme <traceme:10 >larger <traceme2:0`),
      ]);
      expect(seen.get('other-exit')).not.toBe('0');
      expect(seen.get('other-dmesg')).toContain(`guru_rt_uprobes: uprobe on ${dir}/greeter+0x`);
      expect(seen.get('other')).toMatch(/Stale file handle\nhint: a probed user binary is not the file the module was built against/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 900_000);
});
