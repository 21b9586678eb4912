// A statement-probe write that may change nothing gets a warning at check
// time. On Debian 6.1's real vmlinux: $ret at fs/read_write.c:638 (rax,
// already copied to r12, which ksys_write returns) is warned about, with
// lines where $ret is in r12 as the hint, and each of those lines is itself
// free of the warning; the example's include/linux/file.h:82 is not warned
// about. The instruction rules are checked on objdump's own text.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseObjdump } from '../../src/debuginfo/disassemble.js';
import { mayWrite } from '../../src/probeFamilies/sourceLine/copyWarning.js';
import { ensureKernel } from '../../src/kernelStore/ensureKernel.js';
import { hostTempDir } from '../helpers/guest.js';

const guru = path.resolve('bin/guru.js');
let dir: string;

beforeAll(async () => {
  try {
    await ensureKernel('debian:6.1', { debuginfo: true });
  } catch (err) {
    throw new Error(`cannot get Debian 6.1's debuginfo into guru's kernel store: ${(err as Error).message}\nfix: node bin/guru.js kernel add debian:6.1 --debuginfo`);
  }
  dir = hostTempDir();
}, 1_800_000);
afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

function check(on: string): { status: number | null; stderr: string } {
  const spec = path.join(dir, 'spec.yaml');
  fs.writeFileSync(spec, `guru: 1\nname: copy_check\nprobes:\n  - on: ${on}\n    do:\n      - $ret = 1\n`);
  const r = spawnSync(process.execPath, [guru, 'check', spec, '--kernel', 'debian:6.1'], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

test("$ret = 1 at ksys_write@fs/read_write.c:638 is accepted with a warning naming the copy, and the lines its hint offers are free of it", () => {
  const r = check('statement:ksys_write@fs/read_write.c:638');
  expect(r.status).toBe(0);
  expect(r.stderr).toContain(
    'warning: this write to $ret may change nothing the code uses: at ksys_write+0x6e (0xffffffff813676ee) it is in rax, but the compiler has already copied it, and from ksys_write+0x77 on $ret is in r12',
  );
  const hint = /^hint: write \$ret where it is in r12 at every address, e\.g\. (.*)$/m.exec(r.stderr)?.[1];
  expect(hint).toBeDefined();
  const suggested = hint!.split(' or ');
  expect(suggested.length).toBeGreaterThan(0);
  for (const s of suggested) {
    const again = check(s);
    expect(again.status).toBe(0);
    expect(again.stderr).not.toContain('warning');
  }
}, 120_000);

test("the example's line (include/linux/file.h:82, $ret in r12 at both addresses) gets no warning", () => {
  const r = check('statement:ksys_write@include/linux/file.h:82');
  expect(r.status).toBe(0);
  expect(r.stderr).toBe('');
}, 60_000);

test('which instructions may write a place, on objdump text', () => {
  const code = parseObjdump(
    [
      'ffffffff813676eb:\tmov    %rax,%r12',
      'ffffffff813676ee:\ttest   %rax,%rax',
      'ffffffff813676f3:\tmov    (%rsp),%rax',
      'ffffffff813676f7:\tmov    %rax,0x68(%rbp)',
      'ffffffff81367742:\tcall   ffffffff81390710 <__f_unlock_pos>',
      'ffffffff8136771e:\tpop    %r12',
      'ffffffff81367800:\txchg   %r12d,%eax',
      'ffffffff81367803:\tcqto',
      'ffffffff81367805:\tpush   %r12',
    ].join('\n'),
  );
  expect(code.map((i) => [i.mnemonic, i.operands])).toEqual([
    ['mov', ['%rax', '%r12']],
    ['test', ['%rax', '%rax']],
    ['mov', ['(%rsp)', '%rax']],
    ['mov', ['%rax', '0x68(%rbp)']],
    ['call', ['ffffffff81390710']],
    ['pop', ['%r12']],
    ['xchg', ['%r12d', '%eax']],
    ['cqto', []],
    ['push', ['%r12']],
  ]);
  const r12 = { register: 'r12' };
  expect(code.map((i) => mayWrite(i, r12))).toEqual([true, false, false, false, false, true, true, false, false]);
  expect(code.map((i) => mayWrite(i, { register: 'rdx' }))).toEqual([false, false, false, false, true, false, false, true, false]);
  expect(code.map((i) => mayWrite(i, 'memory'))).toEqual([false, false, false, true, true, false, false, false, true]);
});

test('objdump is there (binutils, which kbuild needs too)', () => {
  expect(execFileSync('objdump', ['--version'], { encoding: 'utf8' })).toMatch(/GNU objdump/);
});
