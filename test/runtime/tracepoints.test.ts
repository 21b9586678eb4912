// Tracepoints in Debian's 6.1 and 6.12 kernels: a test program's read(2)
// as syscalls:sys_enter_read / sys_exit_read (fd, user buffer, count,
// return value equal to what the program itself prints), its exec and exit
// as sched events (filename, pid, comm); and the fields guru read from the
// stored image, checked against the guest's own tracefs format files.
import { parseFormatFile, tracepointCatalog } from '../../src/probeFamilies/tracepoint/catalog.js';
import { headersKernelFacts } from '../../src/kernelFacts/headersKernelFacts.js';
import { storedKernelTarget } from '../../src/kernelFacts/kernelTarget.js';
import type { StoredKernel } from '../../src/kernelStore/storedKernel.js';
import { buildFor, compileProgram, debian612Kernel, debianKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';
import fs from 'node:fs';

/** Events whose format the guest prints, to check guru's catalog against. */
const FORMATS = ['sched/*', 'syscalls/sys_enter_read', 'syscalls/sys_exit_read', 'syscalls/sys_enter_openat', 'syscalls/sys_enter_execve', 'irq/*', 'signal/*', 'task/*', 'block/block_rq_issue', 'net/netif_rx'];

async function run(kernel: StoredKernel): Promise<void> {
  const dir = hostTempDir();
  try {
    const ko = await buildFor(kernel, 'test/fixtures/runtime/tracepoints.yaml');
    const prog = await compileProgram('tpreader.c', dir, 'tpreader');
    fs.writeFileSync(`${dir}/data`, 'the quick brown fox jumps over the lazy dog\n');
    const r = await runGuestScript(
      kernel,
      [
        `${guruCommand()} apply ${ko} -o /tmp/events --run "${prog} ${dir}/data > /tmp/out" 2> /tmp/summary`,
        `echo "[apply-exit:$?]<<"`,
        showFile('events', '/tmp/events'),
        showFile('out', '/tmp/out'),
        showFile('summary', '/tmp/summary'),
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

    // guru's fields (from the stored image) are the guest's (tracefs), event for event.
    const catalog = tracepointCatalog(headersKernelFacts(storedKernelTarget(kernel)), false);
    const formats = seen.get('formats')!.split(/^==== /m).filter(Boolean);
    expect(formats.length).toBeGreaterThan(20);
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
