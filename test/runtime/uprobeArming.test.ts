// A loaded module is inert until armed (README, How it works), uprobes included: the
// kernel installs a uprobe's breakpoint in every process mapping the file
// as soon as a consumer is registered, and a uretprobe's consumer makes it
// redirect the function's return address, whatever guru's handlers then
// decide. So the runtime registers its consumers at arm and unregisters
// them at disarm. A program that reads its own code and return address
// (test/fixtures/programs/selfcheck.c) runs with the module loaded but not
// armed, armed, and disarmed again (the module still loaded): only the
// armed run shows the breakpoint, the redirected return, the rewritten
// return value and a hit.
import fs from 'node:fs';
import { buildFor, compileProgram, describeEachKernel, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';

const MODULE = 'guru_rt_uprobe_arming';
const stats = `/sys/class/misc/${MODULE}/stats`;
const hits = (name: string) => `printf '[${name}:%s]<<\\n' "$(awk '$1 == "probe" { printf "%s ", $4 }' ${stats})"`;

describeEachKernel((storedKernel) => {
  test('uprobes plant no breakpoint and redirect no return before arm and after disarm', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const program = await compileProgram('selfcheck.c', dir, 'selfcheck');
      fs.writeFileSync(
        `${dir}/spec.yaml`,
        `guru: 1
name: rt_uprobe_arming
probes:
  - on: uprobe:${program}:greet
    do: log("greet(%d)", $arg1)
  - on: uretprobe:${program}:greet
    do: $return = 7
`,
      );
      const ko = await buildFor(kernel, `${dir}/spec.yaml`);
      const run = await runGuestScript(
        kernel,
        [
          `insmod ${ko}; echo "[insmod:$?]<<"`,
          `${program} > /tmp/loaded`,
          hits('hits-loaded'),
          `exec 3<> /dev/${MODULE}`,
          'echo arm >&3',
          `${program} > /tmp/armed`,
          hits('hits-armed'),
          'echo disarm >&3',
          `${program} > /tmp/disarmed`,
          hits('hits-disarmed'),
          'exec 3>&-',
          `rmmod ${MODULE}; echo "[rmmod:$?]<<"`,
          showFile('loaded', '/tmp/loaded'),
          showFile('armed', '/tmp/armed'),
          showFile('disarmed', '/tmp/disarmed'),
        ].join('\n'),
      );
      const seen = markers(run.stdout);
      expect(seen.get('insmod')).toBe('0');
      const untouched = 'int3 at greet: no\ngreet returned 42\nreturn address redirected: no\n[uprobes] mapped: no\n';
      expect(seen.get('loaded')).toBe(untouched);
      expect(seen.get('hits-loaded')).toBe('0 0 ');
      expect(seen.get('armed')).toBe('int3 at greet: yes\ngreet returned 7\nreturn address redirected: yes\n[uprobes] mapped: yes\n');
      expect(seen.get('hits-armed')).toBe('1 1 ');
      expect(seen.get('disarmed')).toBe(untouched);
      expect(seen.get('hits-disarmed')).toBe('1 1 ');
      expect(seen.get('rmmod')).toBe('0');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
