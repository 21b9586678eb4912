// Statement probes in Debian's 6.1 kernel, checked against the syscall's own
// probes in the same run (test/fixtures/runtime/statement-probes.yaml):
// ksys_write's local $ret (a register) equals write(2)'s $return, its
// entry-value arguments $fd and $count equal the syscall's, $pos (a stack
// slot) is the new file position, and writing $pos (memory) rewinds the
// file, and writing $count (a register) at an address the kernel
// jump-optimises (the kprobes list says [OPTIMIZED]) makes vfs_write write
// one byte. Then examples/echo-statement.yaml writes ksys_write's $ret (a
// register, int3-probed there), and echo stops retrying: it writes "h" and
// exits 0.
import fs from 'node:fs';
import path from 'node:path';
import { storedKernelTarget } from '../../src/kernelFacts/kernelTarget.js';
import { headersKernelFacts } from '../../src/kernelFacts/headersKernelFacts.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { readSpecFile } from '../../src/pipeline.js';
import { AS_USER, buildFor, compileProgram, debianKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile, type GuestRun } from '../helpers/guest.js';

let run: GuestRun;
let seen: Map<string, string>;
let dir: string;
/** symbol+offset of the $count = 1 probe (line 634), from the plan. */
let clampSite: string;

interface Syscall {
  entry: { fd: number; count: number };
  at638?: { ret: number; fd: number; count: number };
  at639?: number;
  ret?: number;
}

/** The writer's events, one record per write(2), in order. */
function syscalls(events: string): Syscall[] {
  const out: Syscall[] = [];
  for (const line of events.split('\n')) {
    let m = /^entry tid=\d+ fd=(-?\d+) count=(\d+)$/.exec(line);
    if (m) {
      out.push({ entry: { fd: Number(m[1]), count: Number(m[2]) } });
      continue;
    }
    const current = out[out.length - 1];
    if (!current) continue;
    if ((m = /^638 tid=\d+ ret=(-?\d+) fd=(-?\d+) count=(\d+)$/.exec(line))) current.at638 = { ret: Number(m[1]), fd: Number(m[2]), count: Number(m[3]) };
    else if ((m = /^639 tid=\d+ pos=(-?\d+)$/.exec(line))) current.at639 = Number(m[1]);
    else if ((m = /^return tid=\d+ ret=(-?\d+)$/.exec(line))) current.ret = Number(m[1]);
  }
  return out;
}

beforeAll(async () => {
  const kernel = await debianKernel();
  const plan = buildPlan(readSpecFile('test/fixtures/runtime/statement-probes.yaml'), headersKernelFacts(storedKernelTarget(kernel)));
  const probe = plan.probes.find((p) => p.kind === 'statement' && p.statement.line === 634)!;
  if (probe.kind !== 'statement') throw new Error('no statement probe at line 634');
  const site = probe.statement.sites[0]!;
  clampSite = `${site.symbol}+0x${site.offset.toString(16)}`;
  const [probesKo, echoKo] = [await buildFor(kernel, 'test/fixtures/runtime/statement-probes.yaml'), await buildFor(kernel, 'examples/echo-statement.yaml')];
  dir = hostTempDir();
  const writer = await compileProgram('writer.c', dir, 'writer');
  const echoWork = path.join(dir, 'echo.sh');
  fs.writeFileSync(
    echoWork,
    [
      // Let the optimizer run (it works in the background after arming), then record what it did.
      'sleep 1',
      'grep ksys_write /sys/kernel/debug/kprobes/list > /tmp/kprobes',
      `${AS_USER} /bin/echo hello > /tmp/o/file; echo "exit $?" > /tmp/o/file.exit`,
      `${AS_USER} /bin/echo hello | cat > /tmp/o/pipe`,
    ].join('\n') + '\n',
  );
  const script = [
    'mount -t debugfs none /sys/kernel/debug 2>/dev/null',
    'w=$(mktemp -d) && chmod 777 $w',
    // The optimizer works in the background after arming: give it a moment, then record what it did.
    `${guruCommand()} apply ${probesKo} -o /tmp/events --run "sh -c 'sleep 1; grep ksys_write /sys/kernel/debug/kprobes/list > /tmp/kprobes1; ${writer} $w'" > /tmp/writer.out 2> /tmp/summary`,
    `echo "[apply-exit:$?]<<"`,
    showFile('events', '/tmp/events'),
    showFile('writer', '/tmp/writer.out'),
    showFile('summary', '/tmp/summary'),
    showFile('kprobes1', '/tmp/kprobes1'),
    'mkdir -p /tmp/o && chmod 777 /tmp/o',
    `${guruCommand()} apply ${echoKo} -o /tmp/echo-events --run 'sh ${echoWork}' 2> /tmp/echo-summary`,
    `echo "[echo-exit:$?]<<"`,
    showFile('file', '/tmp/o/file'),
    showFile('file.exit', '/tmp/o/file.exit'),
    showFile('pipe', '/tmp/o/pipe'),
    showFile('kprobes', '/tmp/kprobes'),
    showFile('echo-events', '/tmp/echo-events'),
    showFile('echo-summary', '/tmp/echo-summary'),
  ].join('\n');
  run = await runGuestScript(kernel, script);
  seen = markers(run.stdout);
}, 900_000);

afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

test('both sessions ran cleanly, every event delivered', () => {
  expect(seen.get('apply-exit')).toBe('0');
  expect(seen.get('echo-exit')).toBe('0');
  expect(seen.get('summary')).toMatch(/events: (\d+) emitted = \1 delivered \+ 0 dropped/);
  // Every probe row ends with its fault count: all zero.
  const rows = seen.get('summary')!.split('\n').filter((l) => /^\s+\d+ \S+/.test(l));
  expect(rows.length).toBe(6);
  for (const r of rows) expect(r).toMatch(/\s0$/);
});

test('$ret at the line after vfs_write is what write(2) returns; entry-value $fd and $count are the syscall\'s', () => {
  const calls = syscalls(seen.get('events')!).filter((c) => c.at638);
  // file x3, pipe, /dev/null, the read-only fd: six writes reach vfs_write, for writer and rewinder alike.
  expect(calls.length).toBeGreaterThanOrEqual(8);
  for (const c of calls) {
    expect({ ret: c.at638!.ret, fd: c.at638!.fd, count: c.at638!.count }).toEqual({ ret: c.ret, fd: c.entry.fd, count: c.entry.count });
  }
  // A failing write reads negative: the read-only fd makes vfs_write return -EBADF.
  expect(calls.some((c) => c.at638!.ret === -9 && c.entry.count === 7)).toBe(true);
  // A bad fd fails in ksys_write before vfs_write: no statement event, -EBADF returned.
  const badFd = syscalls(seen.get('events')!).find((c) => c.entry.fd === 99)!;
  expect(badFd).toEqual({ entry: { fd: 99, count: 10 }, ret: -9 });
});

test('$pos, a stack slot, is the new file position', () => {
  const writes = syscalls(seen.get('events')!).filter((c) => c.at639 !== undefined);
  // "hello", "statement probes", "" to the file: positions 5, 21, 21.
  expect(writes.slice(0, 3).map((c) => c.at639)).toEqual([5, 21, 21]);
});

test('writing $pos (memory) rewinds the file: "bb" lands on "aaaa"', () => {
  expect(seen.get('writer')).toMatch(/^rewinder file: bbaa$/m);
});

test('writing $count (a register) at a jump-optimised kprobe: vfs_write writes one byte of "hello"', () => {
  expect(seen.get('writer')).toMatch(/^clamper wrote 1: h$/m);
  const line = seen.get('kprobes1')!.split('\n').find((l) => l.includes(` ${clampSite} `) || l.endsWith(` ${clampSite}`));
  expect(line).toBeDefined();
  expect(line).toMatch(/\[OPTIMIZED\]/);
});

test('writing $ret (a register) at the statement makes echo believe its one byte was all', () => {
  expect(seen.get('file')).toBe('h');
  expect(seen.get('file.exit')).toBe('exit 0\n');
  expect(seen.get('pipe')).toBe('h');
  const events = seen.get('echo-events')!;
  expect(events.match(/wrote 1 of 1 bytes, reports 6/g)).toHaveLength(2);
  expect(seen.get('echo-summary')).toMatch(/1 statement:ksys_write@include\/linux\/file\.h:82\s+\d+\s+\d+\s+2\s/);
});

test('the kernel placed every statement kprobe and the entry probe', () => {
  // echo-statement: two addresses of file.h:82 plus ksys_write's entry (for $fd/$count), on ftrace.
  const list = seen.get('kprobes')!;
  expect(list).toMatch(/ksys_write\+0x80/);
  expect(list).toMatch(/ksys_write\+0xc7/);
  expect(list).toMatch(/ksys_write\+0x0\s+\[FTRACE\]/);
  console.log(`kprobes on ksys_write while armed:\n${seen.get('kprobes1')}\n${list}`);
});
