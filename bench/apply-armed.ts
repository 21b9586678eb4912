// `guru apply` time-to-armed inside the guest, with the module already
// built (cached) on the host: from starting the guru process in the guest
// to the moment its --run workload starts, which guru does right after the
// kernel has armed the probes. RUNS sessions in one VM boot on Debian's 6.1
// kernel; prints each, the median, and whether KVM or TCG ran.
//
// Usage: npx tsc -p . && node dist/bench/apply-armed.js [--runs 5]
import path from 'node:path';
import { buildModule } from '../src/kbuild/kbuild.js';
import { ensureKernel } from '../src/kernelStore/ensureKernel.js';
import { headersKernelFacts } from '../src/kernelFacts/headersKernelFacts.js';
import { buildPlan } from '../src/plan/buildPlan.js';
import { readSpecFile } from '../src/pipeline.js';
import { projectRoot } from '../src/projectRoot.js';
import { runInVm } from '../src/vm/runInVm.js';
import { median } from './median.js';


async function main(): Promise<void> {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
  const kernel = await ensureKernel('debian:6.1');
  const target = { release: kernel.release, headersDir: kernel.headersDir, systemMap: kernel.systemMap };
  const spec = path.join(projectRoot(), 'examples/echo-one-byte.yaml');
  const { koPath, cached } = await buildModule(buildPlan(readSpecFile(spec), headersKernelFacts(target)), target);
  const guru = `${process.execPath} ${path.join(projectRoot(), 'bin/guru.js')}`;
  const script = [
    `for i in $(seq ${runs}); do`,
    `  t0=$(date +%s%N)`,
    `  ${guru} apply ${koPath} -o /dev/null --run 'date +%s%N > /tmp/armed' 2>/dev/null`,
    `  echo "armed-ms $(( ($(cat /tmp/armed) - t0) / 1000000 ))"`,
    `done`,
  ].join('\n');
  const r = await runInVm({ kernel, argv: ['sh', '-c', script], timeoutMs: 600_000, stdio: 'pipe' });
  const times = [...(r.stdout?.toString() ?? '').matchAll(/^armed-ms (\d+)$/gm)].map((m) => Number(m[1]));
  if (times.length !== runs) throw new Error(`expected ${runs} measurements, got: ${r.stdout?.toString()}${r.stderr?.toString()}`);
  console.log(`guru apply time-to-armed inside a ${r.accel.toUpperCase()} guest (${kernel.release}; ${r.accelReason})`);
  console.log(`  module: ${path.basename(koPath)} (${cached ? 'cached' : 'built now'} on the host)`);
  console.log(`  measured: guest clock (date +%s%N) from starting guru to its --run workload starting; ${runs} sessions in one boot`);
  console.log(`  runs (ms): ${times.join(', ')}`);
  console.log(`  median: ${median(times)} ms`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
