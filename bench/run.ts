// `npm run bench`: every benchmark against the tools users would pick
// instead (SystemTap 5.6 and bpftrace 0.27 from a sid root, bench/anchors),
// then bench/RESULTS.md (bench/results/formatResults.ts) and
// bench/results.json (the same figures as data). `-- --quick`: fewer runs
// and shorter loops, a developer's check. `-- --only overhead,module,armed`
// runs some; the file then holds only those.
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
import { measureOverhead } from './overhead.js';
import { formatResults } from './results/formatResults.js';
import type { BenchResults, Section } from './results/types.js';

interface Options {
  quick: boolean;
  only?: string[];
}

const BENCHMARKS = ['overhead'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

function parseArgs(argv: string[]): Options {
  const opts: Options = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') opts.quick = true;
    else if (argv[i] === '--only') opts.only = argv[++i]?.split(',');
    else throw new Error(`unknown argument ${argv[i]}; usage: npm run bench [-- --quick] [-- --only ${BENCHMARKS.join(',')}]`);
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

  if (wants('overhead')) {
    for (const kernel of ['debian:6.1', 'debian:7.3']) {
      say(`bench: probe overhead on ${kernel} (two guest boots: -icount, then plain TCG)`);
      try {
        const r = await measureOverhead({ kernel, rounds: opts.quick ? 2 : 5, writes: opts.quick ? 5000 : 20000 });
        say(r.text);
        results.machine.accelerator = r.accel;
        results.sections.push(r.section);
      } catch (err) {
        say(`bench: probe overhead on ${kernel} failed: ${err instanceof Error ? err.message : String(err)}`);
        results.sections.push(failedSection(`Probe overhead on ${kernel}`, err));
      }
    }
  }

  const dir = path.join(projectRoot(), 'bench');
  fs.writeFileSync(path.join(dir, 'RESULTS.md'), formatResults(results));
  fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  say(`bench: wrote bench/RESULTS.md and bench/results.json`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = err instanceof MissingPrerequisite ? 2 : 1;
});
