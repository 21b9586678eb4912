// A `__data_loc` field is read as far as its length says and never past
// the record. 7.3's syscalls:sys_enter_write copies the first bytes of the
// buffer into the record as `__data_loc char[] __buf_val`, with no NUL:
// before guru bounded the read, `$__buf_val` of write(fd, "abcdefgh", 8)
// ran on past the record into perf's per-CPU buffer, where the previous,
// longer write's 'X's still were ("abcdefghXXXX..."). The runtime now cuts
// every dynamic field to its length and to the record's end
// (guru_record_loc in kmod/guru_runtime.h), and a loc pointing outside the
// record reads as "".
import fs from 'node:fs';
import { buildFor, compileProgram, guruCommand, hostTempDir, markers, runGuestScript, showFile, testKernel } from '../helpers/guest.js';

test('Debian 7.3: sys_enter_write\'s __buf_val reads the written bytes and no more', async () => {
  const kernel = await testKernel('debian:7.3');
  const dir = hostTempDir();
  try {
    fs.writeFileSync(
      `${dir}/spec.yaml`,
      `guru: 1
name: rt_tp_data_loc
where: { comm: bufwriter }
probes:
  - on: tracepoint:syscalls:sys_enter_write
    do: log("count=%d buf=[%s]", $count, $__buf_val)
`,
    );
    const ko = await buildFor(kernel, `${dir}/spec.yaml`);
    const prog = await compileProgram('bufwriter.c', dir, 'bufwriter');
    const run = await runGuestScript(
      kernel,
      [
        `${guruCommand()} apply ${ko} -o /tmp/events --run "${prog}" 2> /tmp/summary`,
        `echo "[apply-exit:$?]<<"`,
        showFile('events', '/tmp/events'),
        showFile('summary', '/tmp/summary'),
      ].join('\n'),
    );
    const seen = markers(run.stdout);
    expect({ exit: seen.get('apply-exit'), summary: seen.get('summary') }).toMatchObject({ exit: '0' });
    expect(seen.get('events')).toBe(`count=60 buf=[${'X'.repeat(60)}]\ncount=8 buf=[abcdefgh]\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 600_000);
