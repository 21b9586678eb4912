// What a guru patch costs each write(2), against the floor: the same job
// done by a hand-written module in the style of the kernel's
// samples/kprobes, built here, alone on the same function.
//
// One guest boot per measure, every configuration in every round, rounds
// interleaved (so drift hits all alike):
//   none                    no probe at all
//   floor kprobe            samples-style kprobe on __x64_sys_write, checks the comm
//   guru miss (entry)       a guru patch with an entry probe (an argument rewrite) whose guard misses
//   floor kretprobe         samples-style kretprobe there, entry handler checks the comm
//   guru miss (entry+ret)   echo-one-byte's shape (argument and return rewrite), guard misses
//   floor kretprobe hit     the kretprobe floor for the program it matches
//   guru hit                echo-one-byte's shape, guard hit: count clamped, return rewritten
//   guru apply --run        the same, as `guru apply --run` runs it (the supervisor reading events)
// and the read-only case against the tools users would pick instead, all on
// ksys_write, for the loop that none of them matches:
//   guru read-only          kprobe:ksys_write, if: comm == "nomatch", c = c + 1
//   bpftrace read-only      bpftrace 0.27: kprobe:ksys_write /comm == "nomatch"/ { @c = count(); }
//   stap read-only          SystemTap 5.6's module (stap -p4 on the host) for
//                           probe kernel.function("ksys_write") { if (execname() == "nomatch") c <<< 1 }
// and the per-hit cost of guru's aggregates, beside that guard miss, against
// bpftrace's, on the same probe with a guard every write of the loop matches:
//   guru count() hit        kprobe:ksys_write, if: comm == "bench_hit", @c = count()
//   bpftrace count() hit    kprobe:ksys_write /comm == "bench_hit"/ { @c = count(); }
//   guru hist() hit         the same with @h = hist($count)
//   bpftrace hist() hit     the same with @h = hist(arg2)
// bpftrace and staprun run in the guest from the sid root (bench/anchors),
// each with -c running the loop once its probes are attached; where stap
// builds no module for the kernel its error is recorded instead.
// The guru patches are armed and detached through their control file, as
// `guru apply --detach --ttl 0` does (no supervisor), except the last.
//
// Two measures, side by side:
//  - guest instructions, under QEMU TCG -icount shift=0,sleep=off, where the
//    guest clock advances 1 ns per instruction: deterministic, and the
//    decisive one on these shared hosts. It does not price atomics, cache
//    misses or shared cache lines: real hardware charges more for those
//    than their instruction count says.
//  - wall time under plain TCG (min and median of the rounds).
// Cost = (loop time with the configuration - loop time with none in the
// same round) / writes.
//
// Then the disassembly check of the guard-miss path (objdump of the built
// .ko): no lock-prefixed instruction, and every store to memory either
// per-CPU (%gs-relative) or to the stack.
//
// Usage: npm run build && node dist/bench/overhead.js [--kernel debian:6.1] [--rounds 5] [--writes 20000]
// (npm run bench runs it on debian:6.1 and debian:7.3 and writes bench/RESULTS.md)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildModule } from '../src/kbuild/kbuild.js';
import { ensureKernel } from '../src/kernelStore/ensureKernel.js';
import type { StoredKernel } from '../src/kernelStore/storedKernel.js';
import { headersKernelFacts } from '../src/kernelFacts/headersKernelFacts.js';
import { storedKernelTarget } from '../src/kernelFacts/kernelTarget.js';
import { buildPlan } from '../src/plan/buildPlan.js';
import { parseSpec } from '../src/parseSpec.js';
import { projectRoot } from '../src/projectRoot.js';
import { runInVm } from '../src/vm/runInVm.js';
import { anchorRootInGuest } from './anchors/inAnchorRoot.js';
import { stapBuild } from './anchors/stapBuild.js';
import { median } from './median.js';
import { missPathCheck } from './missPath.js';
import { formatTable } from './results/formatResults.js';
import type { Measure, Section, Target } from './results/types.js';

const ENTRY_SPEC = `guru: 1
name: bench_entry
where: { comm: bench_hit }
probes:
  - on: syscall:write
    do:
      - $count = 1
`;

const HIT_SPEC = `guru: 1
name: bench_hit
where: { comm: bench_hit }
vars:
  orig: { type: u64, scope: thread }
probes:
  - on: syscall:write
    if: $count > 1
    do:
      - orig = $count
      - $count = 1
  - on: syscall:write:return
    if: orig > 0
    do:
      - $return = orig
      - orig = 0
`;

/**
 * The read-only case, in bpftrace's words (guru takes them as they are);
 * a global var for @c (written before guru had count()). The guard never
 * matches, so what the body does is never run: only the guard is priced.
 */
export const READ_ONLY_SPEC = `guru: 1
name: bench_ro
vars:
  c: { type: u64, scope: global }
probes:
  - on: kprobe:ksys_write
    if: comm == "nomatch"
    do:
      - c = c + 1
`;
export const BPFTRACE_READ_ONLY = 'kprobe:ksys_write /comm == "nomatch"/ { @c = count(); }';

/** The per-hit cost of guru's aggregates: the read-only probe whose guard matches the loop, with count() or hist(). */
export const aggregateSpec = (name: string, agg: string): string => `guru: 1
name: ${name}
probes:
  - on: kprobe:ksys_write
    if: comm == "bench_hit"
    do:
      - ${agg}
`;
export const COUNT_AGG = '@c = count()';
export const HIST_AGG = '@h = hist($count)';
export const BPFTRACE_COUNT_HIT = 'kprobe:ksys_write /comm == "bench_hit"/ { @c = count(); }';
export const BPFTRACE_HIST_HIT = 'kprobe:ksys_write /comm == "bench_hit"/ { @h = hist(arg2); }';
export const STAP_READ_ONLY = 'global c\nprobe kernel.function("ksys_write") { if (execname() == "nomatch") c <<< 1 }\n';

/** The guard-miss target: guru's added instructions over the floor's. */
export const MISS_TARGET = 1.1;

type Prog = 'bench_hit' | 'bench_miss';

interface Config {
  name: string;
  /** Shell: set up, then print the loop's nanoseconds, then tear down; or why it cannot run. */
  shell: ((loop: (prog: Prog) => string) => string[]) | { unavailable: string };
  /** The floor it is compared with. */
  floor?: string;
}

export interface OverheadOptions {
  kernel: string;
  rounds: number;
  writes: number;
}

export interface OverheadResult {
  kernel: StoredKernel;
  /** Printable, as the benchmark always printed it. */
  text: string;
  section: Section;
  accel: string;
}

export async function measureOverhead(opts: OverheadOptions): Promise<OverheadResult> {
  const { rounds, writes } = opts;
  const kernel = await ensureKernel(opts.kernel);
  const target = storedKernelTarget(kernel);
  const facts = headersKernelFacts(target);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-bench-'));
  try {
    const ko = async (name: string, text: string): Promise<string> => {
      const file = path.join(dir, `${name}.yaml`);
      fs.writeFileSync(file, text);
      return (await buildModule(buildPlan(parseSpec(file, text), facts), target)).koPath;
    };
    const entryKo = await ko('bench_entry', ENTRY_SPEC);
    const hitKo = await ko('bench_hit', HIT_SPEC);
    const roKo = await ko('bench_ro', READ_ONLY_SPEC);
    const countKo = await ko('bench_count', aggregateSpec('bench_count', COUNT_AGG));
    const histKo = await ko('bench_hist', aggregateSpec('bench_hist', HIST_AGG));
    // The floors: built here with kbuild against the same headers.
    const floorDir = path.join(dir, 'floor');
    fs.mkdirSync(floorDir);
    for (const f of ['floor_kprobe.c', 'floor_kretprobe.c', 'Kbuild']) fs.copyFileSync(path.join(projectRoot(), 'bench/overhead', f), path.join(floorDir, f));
    const make = kernel.buildRoot ? undefined : 'make';
    if (make) execFileSync(make, ['-C', target.headersDir, `M=${floorDir}`, 'modules'], { stdio: 'pipe' });
    else await buildFloorsInRoot(kernel, floorDir);
    for (const prog of ['bench_hit', 'bench_miss']) {
      execFileSync('gcc', ['-O2', '-o', path.join(dir, prog), path.join(projectRoot(), 'bench/overhead/write_loop.c')]);
    }
    // bpftrace and staprun start the loop themselves (-c), once attached; it writes its figure to a file.
    for (const prog of ['bench_miss', 'bench_hit']) {
      fs.writeFileSync(path.join(dir, `run_${prog.slice(6)}.sh`), `#!/bin/sh\nexec ${dir}/${prog} ${writes} > ${dir}/anchor_ns\n`, { mode: 0o755 });
    }
    const stap = await stapBuild(kernel, STAP_READ_ONLY, { name: 'stap_ro', outDir: path.join(dir, 'stap') });
    const guru = `${process.execPath} ${path.join(projectRoot(), 'bin/guru.js')}`;
    // Armed and detached the way guru apply --detach --ttl 0 does it, through
    // the control file, without starting node in the guest for each run.
    const detached = (koPath: string, module: string, prog: Prog) => (loop: (p: Prog) => string) => [
      `insmod ${koPath} && exec 3<> /dev/${module} && echo arm >&3 && echo 'detach 0' >&3 && exec 3>&- || echo "arming failed: ${module}"`,
      loop(prog),
      `rmmod ${module}`,
    ];
    const floor = (mod: string, prog: Prog) => (loop: (p: Prog) => string) => [`insmod ${floorDir}/${mod}.ko`, loop(prog), `rmmod ${mod}`];
    const anchor = (argv: string) => () => [
      `rm -f ${dir}/anchor_ns`,
      `anchor ${argv} > ${dir}/anchor.out 2>&1`,
      `cat ${dir}/anchor_ns 2>/dev/null || { echo fail; sed 's/^/e /' ${dir}/anchor.out | tail -5; }`,
    ];
    const configs: Config[] = [
      { name: 'none', shell: (loop) => [loop('bench_miss')] },
      { name: 'floor kprobe', shell: floor('floor_kprobe', 'bench_miss') },
      { name: 'guru miss (entry)', shell: detached(entryKo, 'guru_bench_entry', 'bench_miss'), floor: 'floor kprobe' },
      { name: 'floor kretprobe', shell: floor('floor_kretprobe', 'bench_miss') },
      { name: 'guru miss (entry+ret)', shell: detached(hitKo, 'guru_bench_hit', 'bench_miss'), floor: 'floor kretprobe' },
      { name: 'floor kretprobe hit', shell: floor('floor_kretprobe', 'bench_hit') },
      { name: 'guru hit', shell: detached(hitKo, 'guru_bench_hit', 'bench_hit'), floor: 'floor kretprobe hit' },
      {
        name: 'guru apply --run',
        shell: () => [`${guru} apply ${hitKo} -o /dev/null --run '${dir}/bench_hit ${writes} > /tmp/ns' 2>/dev/null; cat /tmp/ns`],
        floor: 'floor kretprobe hit',
      },
      { name: 'guru read-only', shell: detached(roKo, 'guru_bench_ro', 'bench_miss'), floor: 'bpftrace read-only' },
      { name: 'bpftrace read-only', shell: anchor(`bpftrace -q -e '${BPFTRACE_READ_ONLY}' -c '/bin/sh ${dir}/run_miss.sh'`) },
      {
        name: 'stap read-only',
        shell: stap.ko ? anchor(`staprun -c ${dir}/run_miss.sh ${stap.ko}`) : { unavailable: stap.error ?? 'stap built no module' },
        floor: 'bpftrace read-only',
      },
      // The aggregates' cost per hit, beside the guard miss: the same probe, its guard matching every write.
      { name: 'guru count() hit', shell: detached(countKo, 'guru_bench_count', 'bench_hit'), floor: 'bpftrace count() hit' },
      { name: 'bpftrace count() hit', shell: anchor(`bpftrace -q -e '${BPFTRACE_COUNT_HIT}' -c '/bin/sh ${dir}/run_hit.sh'`) },
      { name: 'guru hist() hit', shell: detached(histKo, 'guru_bench_hist', 'bench_hit'), floor: 'bpftrace hist() hit' },
      { name: 'bpftrace hist() hit', shell: anchor(`bpftrace -q -e '${BPFTRACE_HIST_HIT}' -c '/bin/sh ${dir}/run_hit.sh'`) },
    ];
    const script = [
      anchorRootInGuest([dir]),
      `for r in $(seq ${rounds}); do`,
      ...configs.flatMap((c, i) =>
        typeof c.shell === 'function' ? [`  printf 'm %s ${i} ' $r`, ...c.shell((prog) => `${dir}/${prog} ${writes}`).map((l) => `  ${l}`)] : [],
      ),
      'done',
    ].join('\n');

    interface Measured {
      ns: (number | undefined)[][];
      errors: Map<number, string>;
      accel: string;
    }
    const measure = async (icount: boolean): Promise<Measured> => {
      const r = await runInVm({ kernel, argv: ['sh', '-c', script], timeoutMs: 3_600_000, stdio: 'pipe', icount, memMB: 2048 });
      const out = r.stdout?.toString() ?? '';
      const ns: (number | undefined)[][] = configs.map(() => []);
      const errors = new Map<number, string>();
      let failing: number | undefined;
      for (const line of out.split('\n')) {
        const m = /^m (\d+) (\d+) (\d+|fail)$/.exec(line);
        if (m) {
          failing = m[3] === 'fail' ? Number(m[2]) : undefined;
          if (m[3] !== 'fail') ns[Number(m[2])]![Number(m[1]) - 1] = Number(m[3]);
          else errors.set(Number(m[2]), '');
          continue;
        }
        if (failing !== undefined && line.startsWith('e ')) errors.set(failing, `${errors.get(failing)}${line.slice(2)}\n`);
      }
      const missing = configs.filter((c, i) => typeof c.shell === 'function' && !errors.has(i) && ns[i]!.filter((x) => x !== undefined).length !== rounds);
      if (missing.length) throw new Error(`incomplete measurements (${missing.map((c) => c.name).join(', ')}):\n${out}${r.stderr?.toString() ?? ''}`);
      return { ns, errors, accel: `${r.accel.toUpperCase()} (${r.accelReason})` };
    };
    const loadBefore = os.loadavg()[0]!;
    const insns = await measure(true);
    const wall = await measure(false);
    const loadAfter = os.loadavg()[0]!;

    const complete = (m: Measured, i: number): boolean => !m.errors.has(i) && m.ns[i]!.every((x) => x !== undefined) && m.ns[i]!.length === rounds;
    const added = (m: Measured, i: number): number[] => (complete(m, i) ? m.ns[i]!.map((t, r) => (t! - m.ns[0]![r]!) / writes) : []);
    const byName = (name: string): number => configs.findIndex((c) => c.name === name);
    const note = (m: Measured, i: number): string | undefined => {
      const c = configs[i]!;
      if (typeof c.shell !== 'function') return c.shell.unavailable;
      return m.errors.has(i) ? `failed in the guest: ${m.errors.get(i)!.trim() || '(no output)'}` : undefined;
    };
    const rows = (m: Measured): Measure[] =>
      configs.slice(1).map((c, j) => ({ name: c.name, samples: added(m, j + 1), vs: c.floor, note: note(m, j + 1) }));
    const ratio = (m: Measured, name: string, floor: string): number | undefined => {
      const a = added(m, byName(name));
      const b = added(m, byName(floor));
      return a.length && b.length ? median(a) / median(b) : undefined;
    };
    const ref = `${opts.kernel} (${kernel.release})`;
    // What an aggregate adds per hit over the guard-miss probe on the same function (both guru's, icount).
    const aggregateNotes = (): string[] => {
      const miss = added(insns, byName('guru read-only'));
      if (!miss.length) return [];
      return (['count()', 'hist()'] as const).flatMap((agg) => {
        const g = added(insns, byName(`guru ${agg} hit`));
        const b = added(insns, byName(`bpftrace ${agg} hit`));
        if (!g.length) return [];
        return [
          `${agg} per hit (icount, median): guru ${median(g).toFixed(0)} added instructions per write(2), ${(median(g) - median(miss)).toFixed(0)} more than its guard miss on the same function (guru read-only, ${median(miss).toFixed(0)})` +
            (b.length ? `; bpftrace ${median(b).toFixed(0)} (${(median(g) / median(b)).toFixed(2)}x)` : ''),
        ];
      });
    };
    const targets: Target[] = [];
    for (const [name, floorName] of [['guru miss (entry)', 'floor kprobe'], ['guru miss (entry+ret)', 'floor kretprobe']] as const) {
      const x = ratio(insns, name, floorName);
      targets.push({
        text: `${name} <= ${MISS_TARGET.toFixed(2)}x the floor's added instructions, ${opts.kernel}`,
        figure: x === undefined ? '-' : `${x.toFixed(2)}x ${floorName} (median added insns ${median(added(insns, byName(name))).toFixed(0)} vs ${median(added(insns, byName(floorName))).toFixed(0)})`,
        holds: x === undefined ? undefined : x <= MISS_TARGET,
      });
    }
    const ro = ratio(insns, 'guru read-only', 'bpftrace read-only');
    targets.push({
      text: `guru <= bpftrace on the read-only case (added instructions), ${opts.kernel}`,
      figure: ro === undefined ? '-' : `${ro.toFixed(2)}x bpftrace (median added insns ${median(added(insns, byName('guru read-only'))).toFixed(0)} vs ${median(added(insns, byName('bpftrace read-only'))).toFixed(0)})`,
      holds: ro === undefined ? undefined : ro <= 1,
      why: ro === undefined ? note(insns, byName('bpftrace read-only')) : undefined,
    });
    const section: Section = {
      title: `Probe overhead on ${ref}`,
      how: [
        `${writes} write(2)s of 2 bytes to /dev/null per run (bench/overhead/write_loop.c, timed with CLOCK_MONOTONIC around the loop), ${rounds} runs of each condition, conditions interleaved in each run, one guest boot per measure`,
        'instructions: QEMU TCG -icount shift=0,sleep=off: the guest clock advances 1 ns per guest instruction, so a loop time is its instruction count: deterministic, the decisive measure on this shared host. It does not price atomics (lock prefix), cache misses or cache lines shared between CPUs, which cost more on real hardware than their count says (the disassembly check below covers the guard-miss path)',
        'wall time: plain TCG on this shared host (no usable KVM), indicative only; the load average is beside it',
        'added = (loop with the condition - loop with none, same run) / writes; ratio = median added / median added of the baseline',
        `floors: hand-written samples/kprobes-style modules (bench/overhead/floor_*.c) on __x64_sys_write; guru patches armed and detached through their control file (as guru apply --detach --ttl 0), except "guru apply --run"`,
        `aggregates per hit on ksys_write, the guard matching every write: guru if: comm == "bench_hit" with ${COUNT_AGG} or ${HIST_AGG}; bpftrace -e '${BPFTRACE_COUNT_HIT}' and '${BPFTRACE_HIST_HIT}'`,
        `read-only case on ksys_write: guru ${JSON.stringify('if: comm == "nomatch"')}, c = c + 1 (a global var); bpftrace -e '${BPFTRACE_READ_ONLY}'; stap: ${STAP_READ_ONLY.replace(/\n/g, ' ').trim()}; bpftrace and staprun run in the guest from the sid root (chroot), each starting the loop with -c once attached`,
      ],
      load: { before: loadBefore, after: loadAfter },
      tables: [
        { caption: `added guest instructions per write(2) (-icount), ${ref}`, unit: 'insns', digits: 0, rows: rows(insns) },
        { caption: `added wall time per write(2) (plain TCG), ${ref}`, unit: 'ns', digits: 0, rows: rows(wall) },
      ],
      targets,
      notes: [
        `loop with no probe: median ${median(insns.ns[0]!.map((t) => t! / writes)).toFixed(0)} guest instructions and ${median(wall.ns[0]!.map((t) => t! / writes)).toFixed(0)} ns wall per write(2)`,
        ...aggregateNotes(),
        ...(stap.error ? [`stap -p4 for ${kernel.release}:\n${stap.error}`] : []),
        `disassembly of the guard-miss path (bench/missPath.ts):\n${missPathCheck(entryKo)}\n${missPathCheck(hitKo)}`,
      ],
    };
    const text = [
      `guru's cost per write(2) on ${kernel.release}`,
      ...section.how.map((h) => `  ${h}`),
      `  load average: ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after; guests under ${insns.accel}`,
      '',
      ...section.tables.flatMap((t) => [...formatTable(t), '']),
      ...targets.map((t) => `${t.text}: ${t.figure}: ${t.holds === undefined ? 'not measured' : t.holds ? 'holds' : 'DOES NOT HOLD'}`),
      '',
      ...section.notes,
    ].join('\n');
    return { kernel, text, section, accel: insns.accel };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The floors for a kernel whose modules build in a build root (7.x: gcc-14, pahole), with guru's own make wrapper. */
async function buildFloorsInRoot(kernel: StoredKernel, floorDir: string): Promise<void> {
  const { buildRootCommand } = await import('../src/kbuild/buildRootMake.js');
  const c = buildRootCommand(kernel.buildRoot!.dir, ['-C', kernel.headersDir, `M=${floorDir}`, 'modules'], [kernel.headersDir, floorDir]);
  execFileSync(c.file, c.args, { env: { ...process.env, ...c.env }, stdio: 'pipe' });
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  measureOverhead({ kernel: arg('kernel', 'debian:6.1'), rounds: Number(arg('rounds', '5')), writes: Number(arg('writes', '20000')) })
    .then((r) => console.log(r.text))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
