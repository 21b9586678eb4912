// What `npm run bench` needs, set up idempotently (scripts/bench-setup.sh
// runs this): the sid root with SystemTap and bpftrace (anchors/anchorRoot.ts)
// and the kernels the benchmarks run on, each in guru's kernel store with
// its debuginfo (stap resolves kernel.function() from DWARF). Each step is
// skipped when its result is there already.
import { ensureKernel } from '../src/kernelStore/ensureKernel.js';
import { terminalProgress } from '../src/kernelStore/storeProgress.js';
import { ensureAnchorRoot } from './anchors/anchorRoot.js';
import { BENCH_KERNELS } from './benchKernels.js';

async function main(): Promise<void> {
  const root = await ensureAnchorRoot((t) => process.stderr.write(`bench-setup: ${t}\n`));
  process.stdout.write(`anchor root: ${root.dir}\n  ${Object.entries(root.versions).map(([p, v]) => `${p} ${v}`).join(', ')}\n`);
  for (const ref of BENCH_KERNELS) {
    const k = await ensureKernel(ref, { debuginfo: true, progress: terminalProgress() });
    process.stdout.write(`kernel ${ref}: ${k.release} (debuginfo ${k.debuginfo ? 'yes' : 'no'})\n`);
  }
}

main().catch((err: unknown) => {
  const e = err as { message?: string; hint?: string };
  process.stderr.write(`bench-setup: ${e.message ?? String(err)}${e.hint ? `\n  fix: ${e.hint}` : ''}\n`);
  process.exitCode = 2;
});
