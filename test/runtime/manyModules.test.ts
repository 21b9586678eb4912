// Any number of guru patches loaded and armed at once (docs/supervision.md), each with
// its own control file: three patches on the same function, write(2), two of
// them detached, all acting at the same time on the programs each one
// matches; guru ps lists all three with their state and ttl.
//
// (The runtime's per-CPU state once came from the kernel's small module
// per-CPU reserve, 8 KiB on Debian's kernels, and a second guru module
// failed to load: "Could not allocate 6232 bytes percpu data".)
import fs from 'node:fs';
import path from 'node:path';
import { buildFor, describeOnFirstKernel, guruCommand, hostTempDir, markers, runGuestScript } from '../helpers/guest.js';

describeOnFirstKernel((storedKernel) => {
  /** echo-one-byte's pattern: COMM writes only its first N bytes, and believes it wrote all. */
  function clampSpec(name: string, comm: string, n: number): string {
    return [
      'guru: 1',
      `name: ${name}`,
      `where: { comm: ${comm} }`,
      'vars:',
      '  orig: { type: u64, scope: thread }',
      'probes:',
      '  - on: syscall:write',
      `    if: $count > ${n}`,
      '    do:',
      '      - orig = $count',
      `      - $count = ${n}`,
      '  - on: syscall:write:return',
      '    if: orig > 0',
      '    do:',
      '      - $return = orig',
      '      - orig = 0',
      '',
    ].join('\n');
  }

  test('three patches on write(2) armed at once, two detached, each acting on its own programs; guru ps shows them all', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const kos: string[] = [];
      for (const [name, comm, n] of [['clamp_a', 'wa', 1], ['clamp_b', 'wb', 2], ['clamp_c', 'wc', 3]] as const) {
        const spec = path.join(dir, `${name}.yaml`);
        fs.writeFileSync(spec, clampSpec(name, comm, n));
        kos.push(await buildFor(kernel, spec));
      }
      const guru = guruCommand();
      const workload = path.join(dir, 'workload.sh');
      fs.writeFileSync(
        workload,
        [
          ...['wa', 'wb', 'wc', 'wd'].map((c) => `printf '[${c}:'; /tmp/${c} hello; printf ']<<\\n'`),
          `printf '[ps:%s]<<\\n' "$(${guru} ps)"`,
        ].join('\n') + '\n',
      );
      const run = await runGuestScript(
        kernel,
        [
          // Programs named wa..wd: echo under other names (comm is the link's name).
          ...['wa', 'wb', 'wc', 'wd'].map((c) => `ln -s /bin/echo /tmp/${c}`),
          `${guru} apply ${kos[0]} --detach --ttl 10m 2>&1; echo "[detach-a:$?]<<"`,
          `${guru} apply ${kos[1]} --detach --ttl 0 2>&1; echo "[detach-b:$?]<<"`,
          `${guru} apply ${kos[2]} -o /tmp/events --run 'sh ${workload}' 2> /tmp/summary; echo "[apply-c:$?]<<"`,
          `cat /tmp/summary`,
          `printf '[ps-after:%s]<<\\n' "$(${guru} ps)"`,
          `${guru} rm --all > /dev/null; echo "[rm:$?]<<"`,
          `printf '[loaded:%s]<<\\n' "$(grep -c '^guru_' /proc/modules)"`,
        ].join('\n'),
      );
      const seen = markers(run.stdout);
      if (process.env.GURU_DEBUG) console.log(run.stdout, run.stderr);
      expect(seen.get('detach-a')).toBe('0');
      expect(seen.get('detach-b')).toBe('0');
      expect(seen.get('apply-c')).toBe('0');
      // Each patch acts on its own program only, all at once.
      expect(seen.get('wa')).toBe('h');
      expect(seen.get('wb')).toBe('he');
      expect(seen.get('wc')).toBe('hel');
      expect(seen.get('wd')).toBe('hello\n');
      const ps = seen.get('ps')!.split('\n');
      expect(ps).toHaveLength(3);
      // A 10-minute ttl, counting down: how far depends on how slow the guest
      // was (TCG on a loaded machine took 18 s once), so only its range is fixed.
      const ttl = /^guru_clamp_a\s+detached\s+ttl (\d+)s\s/.exec(ps[0]!);
      expect(ttl).not.toBeNull();
      expect(Number(ttl![1])).toBeGreaterThan(0);
      expect(Number(ttl![1])).toBeLessThanOrEqual(600);
      expect(ps[1]).toMatch(/^guru_clamp_b\s+detached\s+ttl none\s/);
      expect(ps[2]).toMatch(/^guru_clamp_c\s+armed\s+-\s/);
      // The attached session ended; the detached ones stay until guru rm.
      expect(seen.get('ps-after')!.split('\n').map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(['guru_clamp_a detached', 'guru_clamp_b detached']);
      expect(seen.get('rm')).toBe('0');
      expect(seen.get('loaded')).toBe('0');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
