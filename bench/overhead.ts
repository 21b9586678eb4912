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
// Usage: npm run build && node dist/bench/overhead.js [--rounds 5] [--writes 20000]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildModule } from '../src/kbuild/kbuild.js';
import { ensureKernel } from '../src/kernelStore/ensureKernel.js';
import { headersKernelFacts } from '../src/kernelFacts/headersKernelFacts.js';
import { storedKernelTarget } from '../src/kernelFacts/kernelTarget.js';
import { buildPlan } from '../src/plan/buildPlan.js';
import { parseSpec } from '../src/patchSpec/parseSpec.js';
import { projectRoot } from '../src/projectRoot.js';
import { runInVm } from '../src/vm/runInVm.js';
import { median } from './median.js';
import { missPathCheck } from './missPath.js';

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

interface Config {
  name: string;
  /** Shell: set up, then print the loop's nanoseconds, then tear down. */
  shell: (loop: (prog: 'bench_hit' | 'bench_miss') => string) => string[];
  /** The floor it is compared with. */
  floor?: string;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const rounds = arg('rounds', 5);
  const writes = arg('writes', 20000);
  const kernel = await ensureKernel('debian:6.1');
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
    // The floors: built here with kbuild against the same headers.
    const floorDir = path.join(dir, 'floor');
    fs.mkdirSync(floorDir);
    for (const f of ['floor_kprobe.c', 'floor_kretprobe.c', 'Kbuild']) fs.copyFileSync(path.join(projectRoot(), 'bench/overhead', f), path.join(floorDir, f));
    execFileSync('make', ['-C', target.headersDir, `M=${floorDir}`, 'modules'], { stdio: 'pipe' });
    for (const prog of ['bench_hit', 'bench_miss']) {
      execFileSync('gcc', ['-O2', '-o', path.join(dir, prog), path.join(projectRoot(), 'bench/overhead/write_loop.c')]);
    }
    const guru = `${process.execPath} ${path.join(projectRoot(), 'bin/guru.js')}`;
    // Armed and detached the way guru apply --detach --ttl 0 does it, through
    // the control file, without starting node in the guest for each run.
    const detached = (koPath: string, module: string, prog: 'bench_hit' | 'bench_miss') => (loop: (p: 'bench_hit' | 'bench_miss') => string) => [
      `insmod ${koPath} && exec 3<> /dev/${module} && echo arm >&3 && echo 'detach 0' >&3 && exec 3>&- || echo "arming failed: ${module}"`,
      loop(prog),
      `rmmod ${module}`,
    ];
    const floor = (mod: string, prog: 'bench_hit' | 'bench_miss') => (loop: (p: 'bench_hit' | 'bench_miss') => string) => [`insmod ${floorDir}/${mod}.ko`, loop(prog), `rmmod ${mod}`];
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
    ];
    const script = [
      `for r in $(seq ${rounds}); do`,
      ...configs.flatMap((c, i) => [`  printf 'm %s ${i} ' $r`, ...c.shell((prog) => `${dir}/${prog} ${writes}`).map((l) => `  ${l}`)]),
      'done',
    ].join('\n');

    const measure = async (icount: boolean): Promise<number[][]> => {
      const r = await runInVm({ kernel, argv: ['sh', '-c', script], timeoutMs: 3_600_000, stdio: 'pipe', icount });
      const out = r.stdout?.toString() ?? '';
      const ns: number[][] = configs.map(() => []);
      for (const m of out.matchAll(/^m (\d+) (\d+) (\d+)$/gm)) ns[Number(m[2])]![Number(m[1]) - 1] = Number(m[3]);
      if (ns.some((xs) => xs.filter((x) => x !== undefined).length !== rounds)) throw new Error(`incomplete measurements:\n${out}${r.stderr?.toString() ?? ''}`);
      return ns;
    };
    const insns = await measure(true);
    const wall = await measure(false);

    const added = (ns: number[][], i: number): number[] => ns[i]!.map((t, r) => (t - ns[0]![r]!) / writes);
    const byName = (name: string): number => configs.findIndex((c) => c.name === name);
    const fmt = (x: number, digits = 0): string => x.toFixed(digits);
    const ratio = (ns: number[][], i: number, floor: string | undefined): string =>
      floor ? `${fmt(median(added(ns, i)) / median(added(ns, byName(floor))), 2)}x` : '';
    console.log(`guru's cost per write(2) on ${kernel.release}: ${writes} writes of 2 bytes to /dev/null per run, ${rounds} runs of each configuration, configurations interleaved in each run, one guest boot per measure`);
    console.log('  instructions: QEMU TCG -icount shift=0,sleep=off (guru vm --icount): the guest clock advances 1 ns per guest instruction, so');
    console.log('    the loop time is its instruction count; deterministic, the decisive measure here. It does not price atomics (lock prefix),');
    console.log('    cache misses or cache lines shared between CPUs, which cost more on real hardware than their count says (see the disassembly check).');
    console.log('  wall time: plain TCG on this shared host (no KVM here), so only indicative.');
    console.log('  added = (loop with the configuration - loop with none, same run) / writes; vs floor = median added / median added of the floor');
    console.log('');
    console.log(
      `  ${'configuration'.padEnd(24)} ${'insns/write'.padStart(11)} ${'added min'.padStart(9)} ${'median'.padStart(7)} ${'vs floor'.padStart(9)}   ` +
        `${'wall ns/write'.padStart(13)} ${'added min'.padStart(9)} ${'median'.padStart(7)} ${'vs floor'.padStart(9)}   floor`,
    );
    configs.forEach((c, i) => {
      const total = median(insns[i]!.map((t) => t / writes));
      const a = added(insns, i);
      const wallPer = median(wall[i]!.map((t) => t / writes));
      const w = added(wall, i);
      console.log(
        `  ${c.name.padEnd(24)} ${fmt(total).padStart(11)} ${(i ? fmt(Math.min(...a)) : '-').padStart(9)} ${(i ? fmt(median(a)) : '-').padStart(7)} ${ratio(insns, i, c.floor).padStart(9)}   ` +
          `${fmt(wallPer).padStart(13)} ${(i ? fmt(Math.min(...w)) : '-').padStart(9)} ${(i ? fmt(median(w)) : '-').padStart(7)} ${ratio(wall, i, c.floor).padStart(9)}   ${c.floor ?? ''}`,
      );
    });
    const spread = insns.map((xs) => Math.max(...xs) - Math.min(...xs)).map((d) => d / writes);
    console.log(`\n  instruction counts' spread over the runs (max - min, per write, in the order above): ${spread.map((d) => fmt(d, 1)).join(', ')}`);
    console.log('');
    console.log(missPathCheck(entryKo));
    console.log(missPathCheck(hitKo));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
