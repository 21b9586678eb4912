// A System.map for a stored kernel without debuginfo. Debian's
// /boot/System.map-R is an 83-byte placeholder and the real one ships only in
// the ~900 MB -dbg package, so boot the kernel once with KASLR off (its
// symbols then sit at their link-time addresses, as in System.map) and keep
// /proc/kallsyms minus module symbols, sorted by address.
import fs from 'node:fs';
import { InternalError } from '../errors.js';
import { runInVm } from '../vm/runInVm.js';
import type { StoredKernel } from './storedKernel.js';

export async function captureSystemMap(kernel: StoredKernel, out: string): Promise<number> {
  const r = await runInVm({ kernel, argv: ['cat', '/proc/kallsyms'], kernelArgs: ['nokaslr'], timeoutMs: 180_000, stdio: 'pipe' });
  if (r.timedOut || r.exitCode !== 0) {
    throw new InternalError(`reading /proc/kallsyms in a VM on ${kernel.release} failed (exit ${r.exitCode}${r.timedOut ? ', timed out' : ''}): ${r.stderr?.toString().trim()}`);
  }
  const map = systemMapFromKallsyms(r.stdout?.toString('latin1') ?? '');
  if (map.count < 10_000) throw new InternalError(`/proc/kallsyms of ${kernel.release} held only ${map.count} kernel symbols`);
  fs.writeFileSync(out, map.text);
  return map.count;
}

/** kallsyms lines → System.map text: drop `\t[module]` lines, sort by address. */
export function systemMapFromKallsyms(kallsyms: string): { text: string; count: number } {
  const lines = kallsyms.split('\n').filter((l) => l && !l.includes('\t['));
  if (lines.some((l) => l.startsWith('0000000000000000 T '))) {
    // kptr_restrict hid the addresses; a map of zeros would be worse than none.
    throw new InternalError('/proc/kallsyms showed zero addresses (kptr_restrict)');
  }
  const keyed = lines.map((l) => ({ addr: BigInt(`0x${l.slice(0, l.indexOf(' '))}`), l }));
  keyed.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
  return { text: keyed.map((k) => k.l).join('\n') + '\n', count: keyed.length };
}
