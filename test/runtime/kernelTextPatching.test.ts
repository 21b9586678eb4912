// Kernel text patching in guru's VMs: enabling or disabling a kprobe at a
// function's entry rewrites its call site through int3 while other CPUs
// run it. Under multi-threaded TCG (QEMU 7.2) a CPU calling the function
// in a loop could execute that int3 after the rewrite was over, and the
// kprobe core jumped to address 0 (guru's reliability tests oopsed about
// every other run; src/vm/vmPolicy.ts, tcgThreads). This checks the VMs
// guru boots with two CPUs against a module with nothing of guru's in it.
import fs from 'node:fs';
import path from 'node:path';
import { buildModules } from '../../src/kbuild/kbuild.js';
import { storedKernelTarget } from '../../src/kernelFacts/kernelTarget.js';
import { compileProgram, describeOnFirstKernel, hostTempDir, markers, runGuestScript } from '../helpers/guest.js';

let dir: string;
beforeAll(() => {
  dir = hostTempDir();
});
afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

describeOnFirstKernel((storedKernel) => {
  test('an entry kprobe enabled and disabled 100 times while the other CPU calls its function: no oops', async () => {
    const kernel = await storedKernel();
    const source = fs.readFileSync(path.resolve('test/fixtures/modules/entry_toggle.c'), 'utf8');
    const [ko] = (await buildModules([{ module: 'entry_toggle', files: { 'entry_toggle.c': source, Kbuild: 'obj-m := entry_toggle.o\n' } }], storedKernelTarget(kernel))).koPaths;
    const loop = await compileProgram('getpid_loop.c', dir, 'getpid_loop');
    const run = await runGuestScript(
      kernel,
      [
        `${loop} 1000000000000 & L=$!`,
        `insmod ${ko} rounds=100; echo "[insmod:$?]<<"`,
        `printf '[said:%s]<<\\n' "$(dmesg | grep -o 'entry_toggle: [0-9]* rounds.*')"`,
        `printf '[loop-alive:%s]<<\\n' "$(kill -0 $L && echo yes)"`,
        'kill $L; rmmod entry_toggle',
      ].join('\n'),
      // About 30 s; where the race bites, the guest hangs or oopses.
      { cpus: 2, timeoutMs: 180_000 },
    );
    const seen = markers(run.stdout);
    expect(seen.get('insmod')).toBe('0');
    expect(seen.get('said')).toBe('entry_toggle: 100 rounds, on ftrace: yes, hit: yes');
    expect(seen.get('loop-alive')).toBe('yes');
  }, 600_000);
});
