// A statement probe naming a function the debug information lacks gets
// suggestions that resolve: on Debian 6.1's real vmlinux, seed 000's
// SystemTap line (SyS_write@fs/read_write.c:610, a 4.x name and line) and a
// typo are answered with statement probes that each have code, and
// resolving every one of them succeeds.
import { headersKernelFacts } from '../../src/kernelFacts/headersKernelFacts.js';
import { storedKernelTarget } from '../../src/kernelFacts/kernelTarget.js';
import { ensureKernel } from '../../src/kernelStore/ensureKernel.js';
import { parseProbePoint } from '../../src/probeFamilies/registry.js';
import type { ProbePoint } from '../../src/probeFamilies/registry.js';
import { resolveProbePoint } from '../../src/probeFamilies/registry.js';
import type { KernelFacts } from '../../src/kernelFacts/kernelFacts.js';

let facts: KernelFacts;
beforeAll(async () => {
  let kernel;
  try {
    kernel = await ensureKernel('debian:6.1', { debuginfo: true });
  } catch (err) {
    throw new Error(`cannot get Debian 6.1's debuginfo into guru's kernel store: ${(err as Error).message}\nfix: node bin/guru.js kernel add debian:6.1 --debuginfo`);
  }
  facts = headersKernelFacts(storedKernelTarget(kernel));
}, 1_800_000);

function resolve(text: string) {
  return resolveProbePoint(parseProbePoint(text) as ProbePoint, facts, text);
}

test.each([
  ['kernel.statement("SyS_write@fs/read_write.c:610")', ['statement:__x64_sys_write@fs/read_write.c:646', 'statement:ksys_write@fs/read_write.c:599']],
  ['statement:ksys_wirte@fs/read_write.c:638', ['statement:ksys_write@fs/read_write.c:638']],
])('%s: every suggestion has code and resolves', (text, expected) => {
  const r = resolve(text);
  expect('message' in r && r.message).toContain('no function');
  const hint = 'hint' in r ? r.hint ?? '' : '';
  const suggested = [...hint.matchAll(/statement:\w+@[\w/.]+:\d+/g)].map((m) => m[0]);
  expect(suggested).toEqual(expected);
  for (const s of suggested) expect(resolve(s)).toHaveProperty('placement');
}, 120_000);
