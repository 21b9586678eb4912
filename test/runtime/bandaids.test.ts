// The band-aids of examples/ (issue #10's Must show), in one boot per
// kernel: each reproducer's exploit path works unpatched, is blocked once
// its band-aid is applied (--detach, as a band-aid is rolled out), works
// again with guru set NAME fix=0 and is blocked again with fix=1:
//   CVE-2016-5195 (Dirty COW): a write to /proc/self/mem into a private,
//     read-only mapping lands (COW), then fails with EIO;
//   CVE-2026-31431: a message to an AF_ALG socket (af_alg_sendmsg, of the
//     af_alg module) is taken, then cut to 0 bytes, and kill=1 also kills
//     the sender (SIGKILL, exit 137);
//   CVE-2017-7308: a TPACKET_V3 ring with a private area is set up, then
//     refused (EINVAL) by a write through the request's pointer
//     (tp_block_size = 0), while a ring without one is not.
// The kernels carry the upstream fixes: the paths, not the bugs, are shown.
// The same boot calls a kernel function of guru's allow-list (typed kernel
// calls, issue #10 step 5): send_sig() to the parent of a child, at once
// from a syscall probe and from an irq_work out of an int3 kprobe (NMI
// context), each signal delivered once; and a call that fires its own
// probe (send_sig at signal_generate) is made once, its echo refused.
import fs from 'node:fs';
import { buildFor, compileProgram, describeEachKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';
import { parsePrometheus } from '../helpers/prometheusParse.js';

let dir: string;
beforeAll(() => {
  dir = hostTempDir();
});
afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

describeEachKernel((storedKernel) => {
  test('each band-aid blocks its exploit path, and guru set fix=0/1 turns it off and on while armed', async () => {
    const kernel = await storedKernel();
    const cowKo = await buildFor(kernel, 'examples/bandaid-dirtycow.yaml');
    const algKo = await buildFor(kernel, 'examples/bandaid-af-alg.yaml');
    const ringKo = await buildFor(kernel, 'examples/bandaid-packet-ring.yaml');
    const cow = await compileProgram('procmem_write.c', dir, 'procmem_write');
    const alg = await compileProgram('afalg_send.c', dir, 'afalg_send');
    const ring = await compileProgram('packet_ring.c', dir, 'packet_ring');
    const callsKo = await buildFor(kernel, 'test/fixtures/runtime/kernel-calls.yaml');
    const sigparent = await compileProgram('sigparent.c', dir, 'sigparent');
    const loopKo = await buildFor(kernel, 'test/fixtures/runtime/signal-loop.yaml');
    const guru = guruCommand();
    // One line per reproducer; a killed one says so by its exit code.
    const exploits = (mark: string) =>
      [
        `printf '[${mark}-cow:%s]<<\\n' "$(${cow} 2>&1)"`,
        `printf '[${mark}-alg:%s]<<\\n' "$(${alg} 2>&1; echo "exit $?")"`,
        `printf '[${mark}-ring:%s]<<\\n' "$(${ring} 2>&1)"`,
      ].join('\n');
    const setAll = (knob: string) =>
      ['bandaid_dirtycow', 'bandaid_af_alg', 'bandaid_packet_ring'].map((n) => `${guru} set ${n} ${knob} > /dev/null || echo "[set-failed:${n} ${knob}]<<"`).join('\n');
    const run = await runGuestScript(
      kernel,
      [
        // ecb is a module on 6.1 (built in later); af_alg must be loaded before its band-aid.
        `modprobe -a algif_skcipher ecb; echo "[modprobe:$?]<<"`,
        exploits('unpatched'),
        ...[cowKo, algKo, ringKo].map((ko, i) => `${guru} apply ${ko} --detach --ttl 10m 2> /tmp/apply${i}; echo "[apply${i}:$?]<<"; cat /tmp/apply${i}`),
        exploits('fixed'),
        setAll('fix=0'),
        exploits('off'),
        setAll('fix=1'),
        exploits('on'),
        `${guru} set bandaid_af_alg kill=1 > /dev/null`,
        `printf '[kill:%s]<<\\n' "$(${alg} 2>&1; echo "exit $?")"`,
        `printf '[ps:%s]<<\\n' "$(${guru} ps)"`,
        `${guru} metrics > /tmp/metrics; echo "[metrics-exit:$?]<<"`,
        showFile('metrics', '/tmp/metrics'),
        ...['bandaid_dirtycow', 'bandaid_af_alg', 'bandaid_packet_ring'].map((n) => showFile(`stats-${n}`, `/sys/class/misc/guru_${n}/stats`)),
        `${guru} rm --all > /dev/null; printf '[loaded:%s]<<\\n' "$(grep -c '^guru_' /proc/modules)"`,
        // Kernel calls; the offset kprobe stays an int3 breakpoint (no jump optimisation).
        'echo 0 > /proc/sys/debug/kprobes-optimization',
        `${guru} apply ${callsKo} -o /tmp/calls --run '${sigparent} > /tmp/sigparent; grep do_sys_openat2 /sys/kernel/debug/kprobes/list > /tmp/kp; cat /sys/class/misc/guru_kernel_calls/stats > /tmp/calls-stats' 2> /tmp/calls-summary; echo "[calls:$?]<<"`,
        showFile('sigparent', '/tmp/sigparent'),
        showFile('kp', '/tmp/kp'),
        showFile('calls-stats', '/tmp/calls-stats'),
        showFile('calls-summary', '/tmp/calls-summary'),
        // A call that fires its own probe: three SIGWINCHes from the shell.
        `${guru} apply ${loopKo} -o /tmp/loop --run 'sleep 60 & for i in 1 2 3; do kill -WINCH $!; done; kill $!; cat /sys/class/misc/guru_signal_loop/stats > /tmp/loop-stats' 2> /tmp/loop-summary; echo "[loop:$?]<<"`,
        showFile('loop-stats', '/tmp/loop-stats'),
        showFile('loop-summary', '/tmp/loop-summary'),
      ].join('\n'),
      // Debian's 7.x kernels force /proc/PID/mem writes past a mapping's
      // protection for a ptracer only (CONFIG_PROC_MEM_FORCE_PTRACE; 6.1 and
      // 6.12 always force): put 6.x's behaviour back so the exploit path
      // the dirty COW band-aid blocks is there to block on every kernel.
      { timeoutMs: 600_000, kernelArgs: ['proc_mem.force_override=always'] },
    );
    const seen = markers(run.stdout);
    for (const i of [0, 1, 2]) expect({ i, exit: seen.get(`apply${i}`) }).toEqual({ i, exit: '0' });
    expect(seen.get('set-failed')).toBeUndefined();
    const works = {
      cow: 'write 4, mapping COW!inal, file original',
      alg: 'sent 32 of 32\nexit 0',
      ring: 'priv 16: ring 0\npriv 0: ring 0',
    };
    const blocked = {
      cow: 'write -1 EIO, mapping original, file original',
      alg: 'sent 0 of 32\nexit 0',
      ring: 'priv 16: ring -1 EINVAL\npriv 0: ring 0',
    };
    const got = (mark: string) => ({ cow: seen.get(`${mark}-cow`), alg: seen.get(`${mark}-alg`), ring: seen.get(`${mark}-ring`) });
    expect(got('unpatched')).toEqual(works);
    expect(got('fixed')).toEqual(blocked);
    expect(got('off')).toEqual(works);
    expect(got('on')).toEqual(blocked);
    // raise(SIGKILL) at af_alg_sendmsg: the sender dies before sendmsg(2) returns to it.
    // (the shell says Killed before the exit code.)
    expect(seen.get('kill')).toMatch(/^(Killed\n)?exit 137$/);
    expect(seen.get('ps')).toMatch(/^guru_bandaid_af_alg\s+detached\s.*\benabled=1 fix=1 kill=1 notify=1$/m);
    // Blocked attempts, per probe: the fix probes wrote twice (fixed, on), af_alg's once more (kill, with fix=1).
    const writes = (module: string, probe: number) => Number(new RegExp(`^probe ${probe} hits \\d+ misses \\d+ writes (\\d+)`, 'm').exec(seen.get(`stats-${module}`) ?? '')?.[1]);
    expect([writes('bandaid_dirtycow', 2), writes('bandaid_dirtycow', 3), writes('bandaid_af_alg', 3), writes('bandaid_packet_ring', 3)]).toEqual([2, 2, 3, 2]);
    // And as guru metrics shows them: each band-aid's count("...") counters, in Prometheus text.
    expect(seen.get('metrics-exit')).toBe('0');
    // Parsed as Prometheus text (a real parser, and each line held to the format's grammar).
    const counterFamily = parsePrometheus(seen.get('metrics') ?? '').find((f) => f.name === 'guru_counter_total');
    const counters = (patch: string) =>
      Object.fromEntries((counterFamily?.metrics ?? []).filter((m) => m.labels?.patch === patch).map((m) => [m.labels!.counter, Number(m.value)]));
    // Attempts while applied: fixed, off, on (and af_alg's kill run).
    expect(counters('bandaid_dirtycow')).toEqual({ hit: 3, blocked: 2 });
    expect(counters('bandaid_af_alg')).toEqual({ hit: 4, killed: 1, blocked: 3 });
    expect(counters('bandaid_packet_ring')).toEqual({ hit: 3, blocked: 2 });
    expect(seen.get('loaded')).toBe('0');

    expect({ exit: seen.get('calls'), summary: seen.get('calls-summary') }).toEqual({ exit: '0', summary: expect.any(String) });
    expect(seen.get('sigparent')).toBe('SIGUSR1 1 SIGUSR2 1\n');
    expect(seen.get('kp')).toMatch(/do_sys_openat2\+0x5/);
    expect(seen.get('kp')).not.toMatch(/OPTIMIZED|FTRACE/);
    // Each call made counts as a write of its probe; none was left undone (faults 0).
    expect(seen.get('calls-stats')).toMatch(/^probe 0 hits \d+ misses \d+ writes 1 faults 0 /m);
    expect(seen.get('calls-stats')).toMatch(/^probe 1 hits \d+ misses \d+ writes 1 faults 0 /m);
    // Each kill: the shell's signal is a hit whose call is deferred (siglock
    // held, interrupts off) and made (a write); the deferred send_sig() is
    // a second hit, in the irq_work, whose call is refused (a fault).
    expect({ exit: seen.get('loop'), summary: seen.get('loop-summary') }).toEqual({ exit: '0', summary: expect.any(String) });
    // (Other signals the shell sends or gets, SIGCHLD and SIGTERM, are guard misses.)
    const loop = /^probe 0 hits (\d+) misses (\d+) writes (\d+) faults (\d+) /m.exec(seen.get('loop-stats') ?? '');
    expect(loop && { matched: Number(loop[1]) - Number(loop[2]), writes: Number(loop[3]), faults: Number(loop[4]) }).toEqual({ matched: 6, writes: 3, faults: 3 });
  }, 900_000);
});
