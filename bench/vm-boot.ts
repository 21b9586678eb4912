// VM boot benchmark: `guru vm -- true` as a user runs it (a whole CLI
// process: node start, kernel lookup, QEMU boot to the command, result back,
// QEMU gone), RUNS times; prints the median and whether KVM or TCG ran.
// The kernel is put in the store first (not timed); the first timed run may
// build the kernel's initramfs, so one untimed warm-up run goes before.
//
// Also reported: guru's own figure for the VM part (QEMU start to result),
// from `guru vm -v`, so CLI overhead and boot time can be told apart.
//
// Usage: npx tsc -p . && node dist/bench/vm-boot.js [--kernel debian:6.1] [--runs 5]
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureKernel } from '../src/kernelStore/ensureKernel.js';
import { terminalProgress } from '../src/kernelStore/storeProgress.js';
import { projectRoot } from '../src/projectRoot.js';
import { median } from './median.js';

interface Options {
  kernel: string;
  runs: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { kernel: 'debian:6.1', runs: 5 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--kernel') opts.kernel = argv[++i];
    else if (argv[i] === '--runs') opts.runs = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}; usage: node dist/bench/vm-boot.js [--kernel K] [--runs N]`);
  }
  if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new Error('--runs takes a positive integer');
  return opts;
}

interface Run {
  wallS: number;
  vmS: number;
  accel: string;
}

function runOnce(kernel: string): Run {
  const guru = path.join(projectRoot(), 'bin', 'guru.js');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [guru, 'vm', '-v', '--kernel', kernel, '--', 'true'], { encoding: 'utf8' });
  const wallS = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`guru vm -- true exited ${r.status}:\n${r.stderr}`);
  // guru vm -v: "guru: RELEASE under TCG (reason); 2.51 s"
  const m = /under (KVM|TCG) \(.*\); ([0-9.]+) s/.exec(r.stderr);
  if (!m) throw new Error(`unexpected guru vm -v output: ${r.stderr}`);
  return { wallS, vmS: Number(m[2]), accel: m[1] };
}


async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const kernel = await ensureKernel(opts.kernel, { progress: terminalProgress() });
  runOnce(opts.kernel); // warm-up: initramfs cache, KVM probe verdict, page cache
  const runs: Run[] = [];
  for (let i = 0; i < opts.runs; i++) runs.push(runOnce(opts.kernel));
  const accels = [...new Set(runs.map((r) => r.accel))].join('/');
  const load = os.loadavg()[0].toFixed(2);
  process.stdout.write(
    [
      `tool:        guru vm -- true (boot to command and back, whole CLI process)`,
      `kernel:      ${opts.kernel} (${kernel.release})`,
      `accelerator: ${accels}`,
      `runs:        ${opts.runs}`,
      `median:      ${median(runs.map((r) => r.wallS)).toFixed(2)} s wall (VM part: ${median(runs.map((r) => r.vmS)).toFixed(2)} s)`,
      `all (wall):  ${runs.map((r) => r.wallS.toFixed(2)).join(' ')} s`,
      `host:        ${os.availableParallelism()} CPUs, load average ${load} at the end`,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
