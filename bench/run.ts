// `npm run bench`: every benchmark against the tools users would pick
// instead (SystemTap 5.6 and bpftrace 0.27 from a sid root, bench/anchors),
// then bench/RESULTS.md (bench/results/formatResults.ts) and
// bench/results.json (the same figures as data). `-- --quick`: fewer runs
// and shorter loops, a developer's check. `-- --only overhead,module,armed,scale,events,listing`
// runs some; RESULTS.md keeps the other benchmarks' sections of the last run, dated.
//
// A missing prerequisite (the sid root, a kernel or its debuginfo) fails at
// once with the command that fixes it, before anything is measured. A
// benchmark that fails later is recorded as a section saying so, and the
// others still run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findStoredKernel } from '../src/kernelStore/resolveKernel.js';
import { projectRoot } from '../src/projectRoot.js';
import { ANCHOR_SUITE, readAnchorRoot, SETUP_COMMAND, WANTED_VERSIONS } from './anchors/anchorRoot.js';
import { BENCH_KERNELS } from './benchKernels.js';
import { median } from './median.js';
import { measureListing } from './listing.js';
import { measureOverhead } from './overhead.js';
import { measureScale, SCALE_SIZES } from './scale.js';
import { measureThroughput } from './throughput.js';
import { measureTimeToArmed } from './timeToArmed.js';
import { measureTimeToModule } from './timeToModule.js';
import { formatResults } from './results/formatResults.js';
import type { BenchResults, Section } from './results/types.js';

interface Options {
  quick: boolean;
  only?: string[];
  /** Run the benchmarks at once, not one after another (RESULTS.md says so: wall times then include each other's load). */
  parallel: boolean;
}

const BENCHMARKS = ['overhead', 'module', 'armed', 'scale', 'events', 'listing'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

function parseArgs(argv: string[]): Options {
  const opts: Options = { quick: false, parallel: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') opts.quick = true;
    else if (argv[i] === '--only') opts.only = argv[++i]?.split(',');
    else if (argv[i] === '--parallel') opts.parallel = true;
    else throw new Error(`unknown argument ${argv[i]}; usage: npm run bench [-- --quick] [--only ${BENCHMARKS.join(',')}] [--parallel]`);
  }
  const unknown = opts.only?.filter((b) => !(BENCHMARKS as readonly string[]).includes(b));
  if (unknown?.length) throw new Error(`unknown benchmark ${unknown.join(', ')}; there are: ${BENCHMARKS.join(', ')}`);
  return opts;
}

class MissingPrerequisite extends Error {}

/** Everything the benchmarks need that set-up makes; the first gap, with its fix. */
function checkPrerequisites(): void {
  const root = readAnchorRoot();
  if (!root) throw new MissingPrerequisite(`the Debian ${ANCHOR_SUITE} root with SystemTap and bpftrace is missing; fix: ${SETUP_COMMAND}`);
  for (const ref of BENCH_KERNELS) {
    const k = findStoredKernel(ref);
    if (!k) throw new MissingPrerequisite(`kernel ${ref} is not in guru's kernel store; fix: ${SETUP_COMMAND} (or node bin/guru.js kernel add ${ref} --debuginfo)`);
    if (!k.debuginfo) throw new MissingPrerequisite(`kernel ${ref} (${k.release}) has no debuginfo in the store (stap needs it); fix: node bin/guru.js kernel add ${ref} --debuginfo`);
  }
}

function cpuModel(): string {
  const m = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  return m?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
}

function guruVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
  let commit = '';
  try {
    commit = execFileSync('git', ['-C', projectRoot(), 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', projectRoot(), 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    if (dirty) commit += '+changes';
  } catch {
    // Not a git checkout: the version alone.
  }
  return commit ? `${pkg.version} (${commit})` : pkg.version;
}

function readPrevious(): BenchResults | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(projectRoot(), 'bench', 'results.json'), 'utf8')) as BenchResults;
  } catch {
    return undefined;
  }
}

function failedSection(title: string, err: unknown): Section {
  return { title, how: [], tables: [], targets: [], notes: [`the benchmark failed: ${err instanceof Error ? err.message : String(err)}`] };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  checkPrerequisites();
  const root = readAnchorRoot()!;
  const wants = (b: Benchmark): boolean => !opts.only || opts.only.includes(b);
  const results: BenchResults = {
    date: new Date().toISOString(),
    quick: opts.quick,
    machine: { cpu: cpuModel(), cores: os.availableParallelism(), accelerator: 'not measured', node: process.version },
    kernels: BENCH_KERNELS.map((ref) => {
      const k = findStoredKernel(ref)!;
      return { ref, release: k.release, packageVersion: k.packageVersion };
    }),
    tools: [
      { name: 'guru', version: guruVersion() },
      { name: 'SystemTap', version: `${root.versions.systemtap ?? 'not installed'} (Debian ${ANCHOR_SUITE}; wanted ${WANTED_VERSIONS.systemtap})` },
      { name: 'bpftrace', version: `${root.versions.bpftrace ?? 'not installed'} (Debian ${ANCHOR_SUITE}; wanted ${WANTED_VERSIONS.bpftrace})` },
      { name: 'QEMU', version: execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).split('\n')[0]!.replace(/^QEMU emulator version /, '') },
    ],
    sections: [],
  };
  const say = (text: string): void => void process.stdout.write(`${text}\n`);

  // Each benchmark on its kernels: overhead where the issue asks (6.1, 7.3); the
  // comparisons with stap on 6.1, a kernel SystemTap 5.6 builds for (7.3: it does
  // not, the overhead section records its error).
  const plan: { benchmark: Benchmark; kernel: string; title: string; run: (kernel: string) => Promise<{ text: string; section: Section }> }[] = [
    ...['debian:6.1', 'debian:7.3'].map((kernel) => ({
      benchmark: 'overhead' as const,
      kernel,
      title: `Probe overhead on ${kernel}`,
      run: async (k: string) => {
        const r = await measureOverhead({ kernel: k, rounds: opts.quick ? 2 : 3, writes: opts.quick ? 5000 : 20000 });
        results.machine.accelerator = r.accel;
        return r;
      },
    })),
    { benchmark: 'module', kernel: 'debian:6.1', title: 'Time to module on debian:6.1', run: (k) => measureTimeToModule({ kernel: k, runs: opts.quick ? 1 : 3 }) },
    { benchmark: 'armed', kernel: 'debian:6.1', title: 'Time from command to armed on debian:6.1', run: (k) => measureTimeToArmed({ kernel: k, runs: opts.quick ? 2 : 5 }) },
    {
      benchmark: 'scale',
      kernel: 'debian:6.1',
      title: 'Scale on debian:6.1',
      run: (k) => measureScale({ kernel: k, rounds: opts.quick ? 1 : 2, buildRuns: opts.quick ? 1 : 2, sizes: opts.quick ? [1, 100] : SCALE_SIZES }),
    },
    { benchmark: 'events', kernel: 'debian:6.1', title: 'Event throughput on debian:6.1', run: (k) => measureThroughput({ kernel: k, rounds: opts.quick ? 1 : 3, writes: opts.quick ? 5000 : 20000 }) },
    { benchmark: 'listing', kernel: 'debian:6.1', title: 'Listing and statement resolution on debian:6.1', run: (k) => measureListing({ kernel: k, runs: opts.quick ? 1 : 3 }) },
  ];
  const previous = readPrevious();
  const runStep = async (step: (typeof plan)[number]): Promise<Section[]> => {
    if (!wants(step.benchmark)) {
      const kept = previous?.sections.filter((s) => s.benchmark === step.benchmark && s.title.includes(step.kernel)) ?? [];
      if (previous?.machine.accelerator && results.machine.accelerator === 'not measured') results.machine.accelerator = previous.machine.accelerator;
      return kept.map((s) => ({ ...s, measuredAt: s.measuredAt ?? previous!.date }));
    }
    say(`bench: ${step.title}`);
    try {
      const r = await step.run(step.kernel);
      say(r.text);
      const section = { ...r.section, benchmark: step.benchmark };
      if (opts.parallel) section.how = [...section.how, 'this run measured the benchmarks concurrently (npm run bench -- --parallel): wall times include each other\'s load; guest instruction counts do not depend on it'];
      return [section];
    } catch (err) {
      say(`bench: ${step.title} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return [{ ...failedSection(step.title, err), benchmark: step.benchmark }];
    }
  };
  // The host's load during the run, sampled every 15 s: wall-clock figures are read against it.
  const loads: number[] = [os.loadavg()[0]!];
  const sampler = setInterval(() => loads.push(os.loadavg()[0]!), 15_000);
  sampler.unref();
  const conditions = (): string => {
    const s = [...loads].sort((a, b) => a - b);
    return `load average (1 min) on the host during the run: min ${s[0]!.toFixed(2)}, median ${median(s).toFixed(2)}, max ${s[s.length - 1]!.toFixed(2)} (${s.length} samples, every 15 s; ${os.availableParallelism()} cores shared with other users); benchmarks run ${opts.parallel ? 'concurrently (--parallel)' : 'one after another'}`;
  };
  // The files are rewritten as each benchmark ends, so a run cut short leaves what it measured.
  const slots: (Section[] | undefined)[] = plan.map(() => undefined);
  const write = (): void => {
    results.sections = slots.flatMap((s) => s ?? []);
    results.conditions = conditions();
    const dir = path.join(projectRoot(), 'bench');
    fs.writeFileSync(path.join(dir, 'RESULTS.md'), formatResults(results));
    fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  };
  const step = async (i: number): Promise<void> => {
    slots[i] = await runStep(plan[i]!);
    write();
  };
  if (opts.parallel) await Promise.all(plan.map((_, i) => step(i)));
  else for (const i of plan.keys()) await step(i);
  clearInterval(sampler);
  write();
  say(`bench: wrote bench/RESULTS.md and bench/results.json`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = err instanceof MissingPrerequisite ? 2 : 1;
});
