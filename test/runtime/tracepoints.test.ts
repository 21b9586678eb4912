// Tracepoints in Debian's 6.1, 6.12 and 7.3 kernels: a test program's
// read(2) as syscalls:sys_enter_read / sys_exit_read (fd, user buffer,
// count, return value equal to what the program itself prints), its exec
// and exit as sched events (filename, pid, comm); and the fields guru read
// from the stored image, checked against the guest's own tracefs format
// files, every syscall event's included. 7.3's syscall events also carry
// the user memory of some arguments (`__data_loc char[] __filename_val`),
// which the kernel picks at boot (syscallUserData.ts): the program's
// openat() path read from there.
import { parseFormatFile, tracepointCatalog } from '../../src/probeFamilies/tracepoint/catalog.js';
import { headersKernelFacts } from '../../src/kernelFacts/headersKernelFacts.js';
import { storedKernelTarget } from '../../src/kernelFacts/kernelTarget.js';
import type { StoredKernel } from '../../src/kernelStore/storedKernel.js';
import { buildFor, compileProgram, debian612Kernel, debianKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile, testKernel } from '../helpers/guest.js';
import fs from 'node:fs';

/** Events whose format the guest prints, to check guru's catalog against. */
const FORMATS = ['sched/*', 'syscalls/*', 'irq/*', 'signal/*', 'task/*', 'block/block_rq_issue', 'net/netif_rx'];

/** USER_DATA: the kernel copies openat()'s path into sys_enter_openat's record (7.3). */
async function run(kernel: StoredKernel, userData = false): Promise<void> {
  const dir = hostTempDir();
  try {
    const ko = await buildFor(kernel, 'test/fixtures/runtime/tracepoints.yaml');
    const prog = await compileProgram('tpreader.c', dir, 'tpreader');
    fs.writeFileSync(`${dir}/data`, 'the quick brown fox jumps over the lazy dog\n');
    if (userData) {
      fs.writeFileSync(
        `${dir}/user-data.yaml`,
        `guru: 1
name: rt_tp_user_data
where: { comm: tpreader }
probes:
  - on: tracepoint:syscalls:sys_enter_openat
    do: log("openat %s at %lu", $__filename_val, $filename)
`,
      );
    }
    const userKo = userData ? await buildFor(kernel, `${dir}/user-data.yaml`) : undefined;
    const r = await runGuestScript(
      kernel,
      [
        `${guruCommand()} apply ${ko} -o /tmp/events --run "${prog} ${dir}/data > /tmp/out" 2> /tmp/summary`,
        `echo "[apply-exit:$?]<<"`,
        showFile('events', '/tmp/events'),
        showFile('out', '/tmp/out'),
        showFile('summary', '/tmp/summary'),
        ...(userKo
          ? [
              `${guruCommand()} apply ${userKo} -o /tmp/user-events --run "${prog} ${dir}/data" 2> /tmp/user-summary`,
              `echo "[user-exit:$?]<<"`,
              showFile('user-events', '/tmp/user-events'),
              showFile('user-summary', '/tmp/user-summary'),
            ]
          : []),
        `t=/sys/kernel/tracing/events; [ -d $t/sched ] || mount -t tracefs tracefs /sys/kernel/tracing`,
        `printf '[formats:'; for f in ${FORMATS.map((f) => `$t/${f}/format`).join(' ')}; do [ -f "$f" ] && echo "==== $f" && cat "$f"; done; printf ']<<\\n'`,
      ].join('\n'),
      420_000,
    );
    const seen = markers(r.stdout);
    expect({ exit: seen.get('apply-exit'), summary: seen.get('summary') }).toMatchObject({ exit: '0' });
    const out = seen.get('out')!;
    const pid = /^pid=(\d+)$/m.exec(out)![1]!;
    const [, fd, buf, ret] = /^fd=(\d+) buf=(\d+) count=37 ret=(\d+)$/m.exec(out)!;
    const events = seen.get('events')!;
    expect(events).toContain(`enter fd=${fd} buf=${buf} count=37 nr=0 comm=tpreader pid=${pid}\n`);
    expect(events).toContain(`exit ret=${ret}\n`);
    expect(ret).toBe('37');
    expect(events).toContain(`exec filename=${dir}/tpreader pid=${pid} old_pid=${pid}\n`);
    expect(events).toContain(`exit comm=tpreader pid=${pid}\n`);
    if (userKo) {
      expect({ exit: seen.get('user-exit'), summary: seen.get('user-summary') }).toMatchObject({ exit: '0' });
      // The path as the kernel copied it from the program, next to the pointer it came from.
      expect(seen.get('user-events')).toMatch(new RegExp(`^openat ${dir}/data at [1-9]\\d*$`, 'm'));
    }

    // guru's fields (from the stored image) are the guest's (tracefs), event for event.
    const catalog = tracepointCatalog(headersKernelFacts(storedKernelTarget(kernel)), false);
    const formats = seen.get('formats')!.split(/^==== /m).filter(Boolean);
    expect(formats.length).toBeGreaterThan(500);
    for (const text of formats) {
      const [, category, event] = /events\/([^/]+)\/([^/]+)\/format/.exec(text)!;
      const theirs = parseFormatFile(text, category!, event!);
      const ours = catalog.events.find((e) => e.category === category && e.event === event);
      const shape = (fields: typeof theirs.fields) => fields.map((f) => `${f.type} ${f.name} @${f.offset}+${f.size}${f.layout === 'array' ? '' : f.signed ? ' signed' : ''}`);
      expect({ event: `${category}:${event}`, fields: ours && shape(ours.fields) }).toEqual({ event: `${category}:${event}`, fields: shape(theirs.fields) });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('Debian 6.1: sys_enter_read, sys_exit_read and sched fields as the program saw them; the catalog equals tracefs', async () => {
  await run(await debianKernel());
}, 900_000);

test('Debian 6.12: the same', async () => {
  await run(await debian612Kernel());
}, 900_000);

test('Debian 7.3: the same, and the user memory its syscall events copy (openat()\'s path)', async () => {
  await run(await testKernel('debian:7.3'), true);
}, 900_000);
