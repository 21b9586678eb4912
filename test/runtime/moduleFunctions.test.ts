// A function of a loadable module in a real kernel: af_alg_sendmsg of the
// af_alg module (loaded in the guest from the stored kernel's modules),
// probed as module("af_alg").function(...) and kprobe:af_alg:..., typed
// from af_alg's BTF. One boot checks: apply refuses while af_alg is not
// loaded, naming it and modprobe; once it is loaded, guru check on the
// running kernel finds it by its bare name and types it; the entry probe's
// write ($size = 1) makes sendmsg(2) of 32 bytes take 1; the return probe
// reads $return and $sock->type, a wildcard over af_alg's functions its own
// $return; removing af_alg while the patch is armed stops its probes (the
// session goes on, the guest's log stays clean).
import fs from 'node:fs';
import path from 'node:path';
import { readManifest } from '../../src/kbuild/readManifest.js';
import { buildFor, compileProgram, describeEachKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';

describeEachKernel((storedKernel) => {
  test('af_alg_sendmsg: refused until af_alg is loaded, then its argument written and its socket read', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const ko = await buildFor(kernel, 'test/fixtures/runtime/module-function.yaml');
      const prog = await compileProgram('afalg_send.c', dir, 'afalg_send');
      // The target module goes away while the patch is armed, then comes back: its kprobes are gone for good.
      fs.writeFileSync(path.join(dir, 'unload.sh'), [prog, 'rmmod algif_skcipher af_alg; echo "rmmod $?"', 'modprobe algif_skcipher', prog].join('\n'));
      const guru = guruCommand();
      const run = await runGuestScript(
        kernel,
        [
          `[ -e /sys/module/af_alg ] && echo "[preloaded:yes]<<" || echo "[preloaded:no]<<"`,
          `${guru} apply ${ko} -o /tmp/e0 --run ${prog} 2> /tmp/refused; echo "[refused-exit:$?]<<"`,
          showFile('refused', '/tmp/refused'),
          // ecb is a module on 6.1 (built in later); the kernel's own request_module for it finds no modprobe in the guest.
          `modprobe -a algif_skcipher ecb; echo "[modprobe:$?]<<"`,
          `echo "[baseline:$(${prog} 2>&1)]<<"`,
          // On the running kernel: the loaded module's functions from kallsyms, its types from /sys/kernel/btf/af_alg.
          `${guru} check ${path.resolve('test/fixtures/runtime/module-function-bare.yaml')} > /tmp/check 2>&1; echo "[check-exit:$?]<<"`,
          showFile('check', '/tmp/check'),
          `${guru} apply ${ko} -o /tmp/events --run '${prog} > /tmp/out' 2> /tmp/summary; echo "[apply-exit:$?]<<"`,
          showFile('out', '/tmp/out'),
          showFile('events', '/tmp/events'),
          showFile('summary', '/tmp/summary'),
          `${guru} apply ${ko} -o /tmp/events2 --run 'sh ${dir}/unload.sh > /tmp/out2 2>&1' 2> /tmp/summary2; echo "[apply2-exit:$?]<<"`,
          showFile('out2', '/tmp/out2'),
          showFile('events2', '/tmp/events2'),
          showFile('summary2', '/tmp/summary2'),
        ].join('\n'),
      );
      const seen = markers(run.stdout);
      expect(seen.get('preloaded')).toBe('no');
      expect(seen.get('refused-exit')).toBe('2');
      expect(seen.get('refused')).toContain('module("af_alg").function("af_alg_sendmsg") is a function of the module af_alg, which is not loaded');
      expect(seen.get('refused')).toContain('hint: load it first: modprobe af_alg');
      expect(seen.get('modprobe')).toBe('0');
      expect(seen.get('baseline')).toBe('sent 32 of 32');
      expect(seen.get('check-exit')).toBe('0');
      const check = seen.get('check')!;
      expect(check).toContain('probe 0 kretprobe:af_alg_sendmsg (line 8) on af_alg:af_alg_sendmsg');
      expect(check).toContain('note: af_alg_sendmsg is a function of the module af_alg');
      expect(check).toMatch(/\$size: size_t, .*\$return: int \(writable\)/);

      expect({ exit: seen.get('apply-exit'), summary: seen.get('summary') }).toEqual({ exit: '0', summary: expect.any(String) });
      expect(seen.get('out')!.trim()).toBe('sent 1 of 32');
      // SOCK_SEQPACKET is 5: $sock is af_alg's struct socket *, read through the module's BTF.
      // The wildcard's kretprobe is a kernel probe of its own: its line may come before or after the other's.
      const named = (events: string) => events.trim().split('\n').filter((l) => !l.includes(' returned '));
      const wild = (events: string) => events.trim().split('\n').filter((l) => l.includes(' returned '));
      expect(named(seen.get('events')!)).toEqual(['size 32', 'return 1 type 5']);
      expect(wild(seen.get('events')!)).toEqual(['af_alg_sendmsg returned 1']);
      // af_alg_sendpage is gone in 6.5: what matched is the module's own list, as the manifest keeps it.
      const matched = readManifest(ko).probes[2]!.matched!;
      expect(matched).toContain('af_alg_sendmsg');
      expect(seen.get('summary')).toContain(`kretprobe:af_alg:af_alg_send*: ${matched.length} matched, ${matched.length} probed`);

      expect(seen.get('apply2-exit')).toBe('0');
      expect(seen.get('out2')!.trim().split('\n')).toEqual(['sent 1 of 32', 'rmmod 0', 'sent 32 of 32']);
      expect(named(seen.get('events2')!)).toEqual(['size 32', 'return 1 type 5']);
      expect(wild(seen.get('events2')!)).toEqual(['af_alg_sendmsg returned 1']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
