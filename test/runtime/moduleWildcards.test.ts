// Wildcards over loadable modules' functions in a real kernel (issue #8):
// kprobe:af_alg:* (every function of one module), kprobe:*:alg_bind (a
// function in whichever modules define it), module("af_alg").function(
// "alg_*").return, module("algif_*").function("hash_*") and
// module("algif_h*").function("hash_bind"), each match typed from its
// module's BTF, against an AF_ALG hash socket (afalg_hash.c: socket, a bind
// that fails, a bind to sha256, accept, send "abc", read the digest, close
// both). What the test knows on its own side: the modules' functions (the
// stored kernel's .ko files, read with objdump), the program's syscalls and
// their results (it prints them), and which af_alg and algif_hash function
// each syscall enters through the sockets' ops (crypto/af_alg.c,
// crypto/algif_hash.c: socket -> alg_create, bind -> alg_bind -> hash_bind,
// accept -> alg_accept -> af_alg_accept -> hash_accept_parent, send ->
// hash_sendmsg, read -> hash_recvmsg, close -> af_alg_release). One boot:
// before af_alg is loaded a spec naming the module is refused, and one with
// module wildcards only loads, arms, and places none of its matches; the
// program's socket(2) then loads af_alg and algif_hash (the kernel's
// request_module) while it is armed, and no probe follows them there: the
// summary names each match, the module it was not placed in and why. Then,
// with the modules loaded, the patch's events and summary; then the
// module-wildcard-only patch again, now placed.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { readManifest } from '../../src/kbuild/readManifest.js';
import type { StoredKernel } from '../../src/kernelStore/storedKernel.js';
import { buildFor, compileProgram, describeEachKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';

/** The text functions of each module whose file name matches RE, from the stored kernel's .ko files (objdump -t), as guru's wildcards see them: no __pfx_ padding, no .cold/.isra parts, no init/exit code. */
function moduleFunctions(kernel: StoredKernel, re: RegExp, dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  for (const file of walk(path.join(kernel.modulesDir, 'kernel'))) {
    const m = /^(.*)\.ko(\.xz|\.zst)?$/.exec(path.basename(file));
    if (!m || !re.test(m[1]!.replace(/-/g, '_'))) continue;
    let ko = file;
    if (m[2] === '.xz') {
      ko = path.join(dir, `${m[1]}.ko`);
      fs.writeFileSync(ko, execFileSync('xz', ['-dc', file], { maxBuffer: 1 << 28 }));
    }
    const table = execFileSync('objdump', ['-t', ko], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const funcs = new Set<string>();
    for (const line of table.split('\n')) {
      // 0000000000000000 l     F .text	0000000000000050 alg_sock_destruct
      const f = /^[0-9a-f]+ (.{7}) (\S+)\t[0-9a-f]+ (\S+)$/.exec(line);
      if (f && f[1]!.includes('F') && f[2]!.startsWith('.text') && !f[3]!.includes('.') && !f[3]!.startsWith('__pfx_')) funcs.add(f[3]!);
    }
    out.set(m[1]!.replace(/-/g, '_'), [...funcs].sort());
  }
  return out;
}

/** probe P's summary line: `  probe P ON: N matched, M probed[; not probed: ...]`. */
function wildcardLine(summary: string, id: number): { matched: number; probed: number; notProbed: string } {
  const m = new RegExp(`^  probe ${id} .*: (\\d+) matched, (\\d+) probed(?:; not probed: (.*))?$`, 'm').exec(summary);
  if (!m) throw new Error(`no wildcard line for probe ${id} in:\n${summary}`);
  return { matched: Number(m[1]), probed: Number(m[2]), notProbed: m[3] ?? '' };
}

describeEachKernel((storedKernel) => {
  test('module wildcards: refused or not placed until the module is loaded, then every match typed from its module', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const ko = await buildFor(kernel, 'test/fixtures/runtime/module-wildcards.yaml');
      const globKo = await buildFor(kernel, 'test/fixtures/runtime/module-wildcards-unloaded.yaml');
      const prog = await compileProgram('afalg_hash.c', dir, 'afalg_hash');
      const guru = guruCommand();
      const run = await runGuestScript(
        kernel,
        [
          `[ -e /sys/module/af_alg ] && echo "[preloaded:yes]<<" || echo "[preloaded:no]<<"`,
          `${guru} apply ${ko} -o /tmp/e0 --run ${prog} 2> /tmp/refused; echo "[refused-exit:$?]<<"`,
          showFile('refused', '/tmp/refused'),
          `${guru} apply ${globKo} -o /tmp/e1 --run '${prog} > /tmp/out1 2>&1' 2> /tmp/summary1; echo "[unloaded-exit:$?]<<"`,
          showFile('out1', '/tmp/out1'),
          showFile('events1', '/tmp/e1'),
          showFile('summary1', '/tmp/summary1'),
          `modprobe algif_hash; echo "[modprobe:$?]<<"`,
          `${guru} apply ${ko} -o /tmp/events --run '${prog} > /tmp/out' 2> /tmp/summary; echo "[apply-exit:$?]<<"`,
          showFile('out', '/tmp/out'),
          showFile('events', '/tmp/events'),
          showFile('summary', '/tmp/summary'),
          `${guru} apply ${globKo} -o /tmp/e2 --run '${prog} > /tmp/out2' 2> /tmp/summary2; echo "[loaded-exit:$?]<<"`,
          showFile('events2', '/tmp/e2'),
          showFile('summary2', '/tmp/summary2'),
        ].join('\n'),
      );
      const seen = markers(run.stdout);
      const manifest = readManifest(ko).probes;
      const afAlg = moduleFunctions(kernel, /^af_alg$/, dir).get('af_alg')!;
      const algif = moduleFunctions(kernel, /^algif_/, dir);
      const algifHash = [...algif].flatMap(([m, fs]) => fs.filter((f) => f.startsWith('hash_')).map((f) => `${m}:${f}`)).sort();
      // What each probe matched is the modules' own lists.
      expect(manifest[0]!.matched).toEqual(afAlg);
      expect(manifest[1]!.matched).toEqual(['af_alg:alg_bind']);
      expect(manifest[2]!.matched).toEqual(afAlg.filter((f) => f.startsWith('alg_')));
      expect(manifest[3]!.matched).toEqual(algifHash);
      expect(manifest[4]!.matched).toEqual(['algif_hash:hash_bind']);

      // Before af_alg is loaded: the probes that name it are refused before anything loads.
      expect(seen.get('preloaded')).toBe('no');
      expect(seen.get('refused-exit')).toBe('2');
      expect(seen.get('refused')).toContain('kprobe:af_alg:* matches functions of the module af_alg, which is not loaded');
      expect(seen.get('refused')).toContain('hint: load it first: modprobe af_alg');
      // Module wildcards alone load and arm; the program's socket(2) then loads af_alg and algif_hash
      // (the kernel's request_module), after the patch's probes were placed: none of them fires, and the
      // summary says which match was not placed and why.
      expect(seen.get('out1')).toBe(seen.get('out'));
      expect(seen.get('events1')!.trim()).toBe('');
      const unloaded = seen.get('summary1')!;
      expect(wildcardLine(unloaded, 0)).toEqual({ matched: 1, probed: 0, notProbed: 'af_alg:alg_bind (the module af_alg was not loaded when the patch was)' });
      const globMatched = readManifest(globKo).probes[1]!.matched!;
      expect(globMatched).toEqual(algifHash.filter((m) => m.startsWith('algif_hash:')));
      expect(wildcardLine(unloaded, 1)).toEqual({ matched: globMatched.length, probed: 0, notProbed: globMatched.map((m) => `${m} (the module algif_hash was not loaded when the patch was)`).join(', ') });

      expect(seen.get('modprobe')).toBe('0');
      expect(seen.get('apply-exit')).toBe('0');
      // The program's syscalls and their results.
      const out = seen.get('out')!.trim().split('\n');
      const calls = out.map((l) => l.split(' ')[0]!);
      expect(calls).toEqual(['socket', 'bind', 'bind', 'accept', 'send', 'read', 'close', 'close']);
      const result = (i: number) => Number(out[i]!.split(' ')[1]);
      expect(result(1)).toBeLessThan(0); // no such algorithm
      expect(out[5]).toBe(`read 32 ${createHash('sha256').update('abc').digest('hex')}`);
      const len = Number(/ len (\d+)$/.exec(out[2]!)![1]);
      const type = Number(/ type (\d+)$/.exec(out[0]!)![1]);

      const events = seen.get('events')!.trim().split('\n');
      const entered = events.filter((l) => l.startsWith('enter ')).map((l) => l.slice('enter '.length));
      const returned = events.filter((l) => / returned -?\d+$/.test(l));
      const hash = events.filter((l) => l.startsWith('hash ')).map((l) => l.slice('hash '.length));
      // Every function seen is one of the module's; the ones the syscalls enter through the sockets' ops come in the program's order.
      for (const f of entered) expect(afAlg).toContain(f);
      for (const f of hash) expect(algifHash).toContain(`algif_hash:${f}`);
      const afAlgOps: Record<string, string[]> = { socket: ['alg_create'], bind: ['alg_bind'], accept: ['alg_accept', 'af_alg_accept'], close: ['af_alg_release'] };
      const opsEntered = new Set(Object.values(afAlgOps).flat());
      expect(entered.filter((f) => opsEntered.has(f))).toEqual(calls.flatMap((c) => afAlgOps[c] ?? []));
      const hashOps: Record<string, string[]> = { bind: ['hash_bind'], accept: ['hash_accept_parent'], send: ['hash_sendmsg'], read: ['hash_recvmsg'] };
      const hashEntered = new Set(Object.values(hashOps).flat());
      expect(hash.filter((f) => hashEntered.has(f))).toEqual(calls.flatMap((c) => hashOps[c] ?? []));
      // Typed from af_alg's and algif_hash's BTF: int arguments, the socket's type through struct socket, a string, int returns (-2, not 4294967294).
      expect(events.filter((l) => l.startsWith('alg_bind len'))).toEqual([`alg_bind len ${len} type ${type}`, `alg_bind len ${len} type ${type}`]);
      expect(events.filter((l) => l.startsWith('hash_bind '))).toEqual(['hash_bind nosuchalg', 'hash_bind sha256']);
      expect(returned.filter((l) => !l.startsWith('alg_get_type '))).toEqual([
        `alg_create returned ${result(0)}`,
        `alg_bind returned ${result(1)}`,
        `alg_bind returned ${result(2)}`,
        `alg_accept returned ${result(3)}`,
      ]);
      expect(returned.filter((l) => l.startsWith('alg_get_type ')).length).toBe(2);

      // The summary accounts for every match: all placed, but the void alg_sock_destruct that $return cannot be read at.
      const summary = seen.get('summary')!;
      const hits = (id: number) => Number(new RegExp(`^  ${id} \\S+\\s+(\\d+) `, 'm').exec(summary)![1]);
      expect([hits(0), hits(2), hits(3)]).toEqual([entered.length, returned.length, hash.length]);
      expect(wildcardLine(summary, 0)).toEqual({ matched: afAlg.length, probed: afAlg.length, notProbed: '' });
      expect(wildcardLine(summary, 1)).toEqual({ matched: 1, probed: 1, notProbed: '' });
      const algFuncs = afAlg.filter((f) => f.startsWith('alg_'));
      expect(wildcardLine(summary, 2)).toEqual({
        matched: algFuncs.length,
        probed: algFuncs.length - 1,
        notProbed: 'alg_sock_destruct ($return cannot be used at kretprobe:af_alg:alg_sock_destruct: the function returns void)',
      });
      // Matches in the algif_* modules that are not loaded (skcipher, aead, rng) are named as such.
      const loaded = algifHash.filter((m) => m.startsWith('algif_hash:'));
      const elsewhere = algifHash.filter((m) => !m.startsWith('algif_hash:'));
      expect(wildcardLine(summary, 3)).toEqual({
        matched: algifHash.length,
        probed: loaded.length,
        notProbed: elsewhere.map((m) => `${m} (the module ${m.split(':')[0]} was not loaded when the patch was)`).join(', '),
      });
      expect(wildcardLine(summary, 4)).toEqual({ matched: 1, probed: 1, notProbed: '' });

      // The module-wildcard-only patch again, af_alg now loaded: placed, and its events are the program's.
      expect(seen.get('loaded-exit')).toBe('0');
      const events2 = seen.get('events2')!.trim().split('\n');
      expect(events2.filter((l) => l.startsWith('alg_bind len'))).toEqual([`alg_bind len ${len}`, `alg_bind len ${len}`]);
      const hash2 = events2.filter((l) => l.startsWith('hash ')).map((l) => l.slice('hash '.length));
      expect(hash2.filter((f) => hashEntered.has(f))).toEqual(calls.flatMap((c) => hashOps[c] ?? []));
      expect(wildcardLine(seen.get('summary2')!, 0)).toEqual({ matched: 1, probed: 1, notProbed: '' });
      expect(wildcardLine(seen.get('summary2')!, 1)).toEqual({ matched: globMatched.length, probed: globMatched.length, notProbed: '' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 900_000);
});
