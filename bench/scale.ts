// Scale: guru with 1, 10, 100 and 1000 probes (wildcards over real kernel
// functions) against the floor, a hand-written module registering the same
// probes in the style of samples/kprobes (generated here: a static array of
// struct kprobe, register_kprobe() on each, keeping the ones the kernel
// takes, unregister_kprobes() on the batch at exit; the handler checks the
// comm, as guru's guard does).
//
// The probes: wildcards over ACPI's functions (acpi_*, cold once the guest
// has booted), chosen from the kernel's System.map so that they match
// exactly N functions, none of them in init, noinstr, entry or kprobes
// text (which the kernel would refuse); both modules probe that list.
//
// On the host, per size, interleaved: `guru build` of a spec new to the
// cache (its runtime object already built for the kernel, as after the
// first build) and a kbuild of the floor in a fresh folder; wall and CPU
// time, and the .ko's size.
// In one guest boot under -icount shift=0,sleep=off, per round every size
// and both modules, interleaved (bench/scale/scalectl.c, one process per
// module, guest clock around each system call):
//   floor:  finit_module (registers and arms), delete_module
//   guru:   finit_module (registers, disabled), "arm" on its control file
//           (enables them), "disarm" and close, delete_module
// The modules are read from the guest's tmpfs. While armed: /sys/module/M/coresize, the kprobes the kernel lists and
// what the kernel allocated since before the load (Slab + VmallocUsed + Percpu).
//
// Usage: npm run build && node dist/bench/scale.js [--kernel debian:6.1] [--rounds 3] [--sizes 1,10,100,1000]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureKernel } from '../src/kernelStore/ensureKernel.js';
import type { StoredKernel } from '../src/kernelStore/storedKernel.js';
import { projectRoot } from '../src/projectRoot.js';
import { runInVm } from '../src/vm/runInVm.js';
import { median } from './median.js';
import { formatTable } from './results/formatResults.js';
import type { Measure, MeasureTable, Section, Target } from './results/types.js';
import { timed, type Time } from './timedProcess.js';

export const SCALE_SIZES = [1, 10, 100, 1000];
/** Arm and disarm targets: guru's time at most this times the floor's, at every size. */
export const ARM_TARGET = 1.2;
/** Build "no worse than linear": the time per added probe from 100 to 1000 at most this times that from 10 to 100. */
export const BUILD_SLOPE_TARGET = 1.5;
const FAMILIES = ['acpi_', 'pci_', 'xen_'];

interface SymbolMap {
  /** Every text symbol name, as guru's wildcard sees them (no `.`, no `__pfx_`). */
  all: string[];
  /** Names every occurrence of which is in ordinary kernel text (not init, noinstr, entry, cpuidle or kprobes text). */
  clean: Set<string>;
}

export function readSymbolMap(file: string): SymbolMap {
  const syms: { addr: bigint; name: string }[] = [];
  const marks = new Map<string, bigint>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const [a, t, name] = line.split(' ');
    if (!a || !t || !name) continue;
    const addr = BigInt(`0x${a}`);
    marks.set(name, addr);
    if (/^[tT]$/.test(t) && !name.includes('.') && !name.startsWith('__pfx_')) syms.push({ addr, name });
  }
  const ranges: [bigint, bigint][] = [];
  for (const [s, e] of [
    ['_sinittext', '_einittext'],
    ['__noinstr_text_start', '__noinstr_text_end'],
    ['__cpuidle_text_start', '__cpuidle_text_end'],
    ['__kprobes_text_start', '__kprobes_text_end'],
    ['__entry_text_start', '__entry_text_end'],
    ['__irqentry_text_start', '__irqentry_text_end'],
    ['__softirqentry_text_start', '__softirqentry_text_end'],
  ]) {
    const a = marks.get(s!);
    const b = marks.get(e!);
    if (a !== undefined && b !== undefined) ranges.push([a, b]);
  }
  const stext = marks.get('_stext') ?? 0n;
  const etext = marks.get('_etext') ?? 1n << 64n;
  const dirty = new Set<string>();
  for (const s of syms) if (s.addr < stext || s.addr >= etext || ranges.some(([a, b]) => s.addr >= a && s.addr < b)) dirty.add(s.name);
  const all = [...new Set(syms.map((s) => s.name))].sort();
  return { all, clean: new Set(all.filter((n) => !dirty.has(n))) };
}

/**
 * Disjoint prefix wildcards (`acpi_ex*`) matching exactly N functions of
 * the families, each match clean: a walk of the prefix tree taking a
 * prefix whole when all it matches is clean and fits, else its children.
 */
export function choosePatterns(map: SymbolMap, n: number, families: readonly string[] = FAMILIES): { patterns: string[]; functions: string[] } {
  const patterns: string[] = [];
  const functions: string[] = [];
  let left = n;
  const under = (p: string, names: readonly string[]): string[] => names.filter((s) => s.startsWith(p));
  const visit = (prefix: string, names: string[]): void => {
    if (left === 0 || names.length === 0) return;
    if (names.length <= left && names.every((s) => map.clean.has(s))) {
      patterns.push(`${prefix}*`);
      functions.push(...names);
      left -= names.length;
      return;
    }
    // The prefix itself as a function can only be taken with its extensions: its children only.
    const next = [...new Set(names.filter((s) => s.length > prefix.length).map((s) => s[prefix.length]!))].sort();
    for (const c of next) visit(prefix + c, under(prefix + c, names));
  };
  for (const f of families) visit(f, under(f, map.all));
  if (left) throw new Error(`only ${n - left} clean functions under ${families.join(', ')}; wanted ${n}`);
  return { patterns, functions };
}

export function scaleSpec(name: string, patterns: readonly string[], nomatch: string): string {
  return [
    'guru: 1',
    `name: ${name}`,
    'probes:',
    ...patterns.flatMap((p) => [`  - on: kprobe:${p}`, `    if: comm == "${nomatch}"`, '    do:', '      - count("hits")']),
    '',
  ].join('\n');
}

export function floorSource(module: string, functions: readonly string[], nomatch: string): string {
  return `// SPDX-License-Identifier: GPL-2.0
/* bench/scale.ts's floor: ${functions.length} kprobes, samples/kprobes style. */
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/sched.h>

static const char *const syms[] = {
${functions.map((f) => `\t"${f}",`).join('\n')}
};
#define N ARRAY_SIZE(syms)
static struct kprobe kps[N];
static struct kprobe *registered[N];
static unsigned int nregistered;
static unsigned long hits;

static int handler_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (strncmp(current->comm, "${nomatch}", TASK_COMM_LEN))
		return 0;
	hits++;
	return 0;
}

static int __init floor_init(void)
{
	unsigned int i;

	for (i = 0; i < N; i++) {
		kps[i].symbol_name = syms[i];
		kps[i].pre_handler = handler_pre;
		if (!register_kprobe(&kps[i]))
			registered[nregistered++] = &kps[i];
	}
	pr_info("${module}: %u of %zu kprobes registered\\n", nregistered, N);
	return 0;
}

static void __exit floor_exit(void)
{
	unregister_kprobes(registered, nregistered);
	pr_info("${module}: %lu hits\\n", hits);
}

module_init(floor_init);
module_exit(floor_exit);
MODULE_LICENSE("GPL");
`;
}

export interface ScaleOptions {
  kernel: string;
  rounds: number;
  buildRuns: number;
  sizes: number[];
}

const STEPS = ['load', 'arm', 'disarm', 'rm', 'coresize', 'kprobes', 'alloc'] as const;
type Step = (typeof STEPS)[number];
type Sample = Record<Step, number>;

export async function measureScale(opts: ScaleOptions): Promise<{ text: string; section: Section }> {
  const kernel = await ensureKernel(opts.kernel);
  if (!kernel.systemMap) throw new Error(`${kernel.release} has no System.map in the store`);
  const map = readSymbolMap(kernel.systemMap);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-bench-scale-'));
  const guru = path.join(projectRoot(), 'bin/guru.js');
  try {
    const chosen = opts.sizes.map((n) => ({ n, ...choosePatterns(map, n) }));
    // The runtime object for the kernel, once (not timed): the builds below are of specs new to the cache.
    const warm = path.join(dir, 'warm.yaml');
    fs.writeFileSync(warm, scaleSpec('bench_scale_warm', chosen[0]!.patterns, `warm${process.pid}`));
    timed(process.execPath, [guru, 'build', warm, '--kernel', opts.kernel, '-o', path.join(dir, 'warm.ko')]);
    const builds = new Map<string, Time[]>();
    const koSize = new Map<string, number>();
    const kos = new Map<string, string>();
    const push = (key: string, t: Time): void => void builds.set(key, [...(builds.get(key) ?? []), t]);
    const nomatch = 'nomatch';
    for (let r = 0; r < opts.buildRuns; r++) {
      for (const c of chosen) {
        // guru: a spec new to the cache each run (the constant differs; the module it loads uses "nomatch").
        const name = `bench_scale_${c.n}`;
        const spec = path.join(dir, `${name}.yaml`);
        fs.writeFileSync(spec, scaleSpec(name, c.patterns, r === 0 ? nomatch : `nomatch${process.pid}_${r}`));
        const ko = path.join(dir, `${name}_${r}.ko`);
        push(`guru ${c.n}`, timed(process.execPath, [guru, 'build', spec, '--kernel', opts.kernel, '-o', ko]));
        if (r === 0) {
          kos.set(`guru ${c.n}`, ko);
          koSize.set(`guru ${c.n}`, fs.statSync(ko).size);
        }
        // The floor, in a fresh folder each run.
        const module = `floor_scale_${c.n}`;
        const fdir = path.join(dir, `floor_${c.n}_${r}`);
        fs.mkdirSync(fdir);
        fs.writeFileSync(path.join(fdir, `${module}.c`), floorSource(module, c.functions, nomatch));
        fs.writeFileSync(path.join(fdir, 'Kbuild'), `obj-m := ${module}.o\n`);
        push(`floor ${c.n}`, await makeModule(kernel, fdir));
        if (r === 0) {
          kos.set(`floor ${c.n}`, path.join(fdir, `${module}.ko`));
          koSize.set(`floor ${c.n}`, fs.statSync(path.join(fdir, `${module}.ko`)).size);
        }
      }
    }
    execFileSync('gcc', ['-O2', '-Wall', '-o', path.join(dir, 'scalectl'), path.join(projectRoot(), 'bench/scale/scalectl.c')]);

    // The modules are copied to the guest's tmpfs first: finit_module reading them over 9p would
    // wait on the host's I/O, time the guest clock would count (idle skipped to the next timer).
    const run = (who: 'floor' | 'guru', n: number): string =>
      who === 'floor'
        ? `  printf 's %s floor ${n} ' $r; /tmp/scale/scalectl /tmp/scale/floor_${n}.ko floor_scale_${n} 2>&1 || echo fail`
        : `  printf 's %s guru ${n} ' $r; /tmp/scale/scalectl /tmp/scale/guru_${n}.ko guru_bench_scale_${n} /dev/guru_bench_scale_${n} 2>&1 || echo fail`;
    const script = [
      'mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug',
      `mkdir -p /tmp/scale && cp ${dir}/scalectl /tmp/scale/`,
      ...opts.sizes.flatMap((n) => [`cp ${kos.get(`floor ${n}`)} /tmp/scale/floor_${n}.ko`, `cp ${kos.get(`guru ${n}`)} /tmp/scale/guru_${n}.ko`]),
      `for r in $(seq ${opts.rounds}); do`,
      // Both orders, alternately: neither module always runs right after the other.
      '  if [ $((r % 2)) = 1 ]; then',
      ...opts.sizes.flatMap((n) => [run('floor', n), run('guru', n)]),
      '  else',
      ...opts.sizes.flatMap((n) => [run('guru', n), run('floor', n)]),
      '  fi',
      'done',
      "dmesg | grep -E 'WARNING|BUG|Oops|general protection' | sed 's/^/k /' | head -20",
    ].join('\n');
    const loadBefore = os.loadavg()[0]!;
    const vm = await runInVm({ kernel, argv: ['sh', '-c', script], timeoutMs: 3_600_000, stdio: 'pipe', icount: true, memMB: 2048 });
    const loadAfter = os.loadavg()[0]!;
    const out = vm.stdout?.toString() ?? '';
    const samples = new Map<string, Sample[]>();
    const errors = new Map<string, string>();
    for (const m of out.matchAll(/^s (\d+) (floor|guru) (\d+) (.*)$/gm)) {
      const key = `${m[2]} ${m[3]}`;
      const nums = m[4]!.trim().split(/\s+/).map(Number);
      if (nums.length === STEPS.length && nums.every((x) => Number.isFinite(x))) {
        samples.set(key, [...(samples.get(key) ?? []), Object.fromEntries(STEPS.map((s, i) => [s, nums[i]!])) as Sample]);
      } else errors.set(key, m[4]!.trim());
    }
    const kernelLog = [...out.matchAll(/^k (.*)$/gm)].map((m) => m[1]!);
    if (!samples.size) throw new Error(`no measurements from the guest:\n${out}${vm.stderr?.toString() ?? ''}`);

    const ref = `${opts.kernel} (${kernel.release})`;
    const col = (key: string, f: (s: Sample) => number): number[] => (samples.get(key) ?? []).map(f);
    const ms = (ns: number): number => ns / 1e6;
    const rowsFor = (f: (s: Sample) => number, guruF: (s: Sample) => number = f, scale = ms): Measure[] =>
      opts.sizes.flatMap((n) => [
        { name: `floor, ${n} probes`, samples: col(`floor ${n}`, (s) => scale(f(s))), note: errors.get(`floor ${n}`) },
        { name: `guru, ${n} probes`, samples: col(`guru ${n}`, (s) => scale(guruF(s))), vs: `floor, ${n} probes`, note: errors.get(`guru ${n}`) },
      ]);
    const armTable: MeasureTable = {
      caption: `load to armed, guest clock under -icount (ms = million guest instructions; floor: finit_module; guru: finit_module + "arm"), ${ref}`,
      unit: 'ms',
      digits: 2,
      rows: rowsFor((s) => s.load + s.arm),
    };
    const guruSplit: MeasureTable = {
      caption: `guru's part by part (same runs): finit_module, "arm", "disarm", delete_module, ${ref}`,
      unit: 'ms',
      digits: 2,
      rows: opts.sizes.flatMap((n) =>
        (['load', 'arm', 'disarm', 'rm'] as const).map((step) => ({ name: `guru ${n}: ${step}`, samples: col(`guru ${n}`, (s) => ms(s[step])) })),
      ),
    };
    const disarmTable: MeasureTable = {
      caption: `disarm and remove, guest clock under -icount (floor: delete_module; guru: "disarm" + delete_module), ${ref}`,
      unit: 'ms',
      digits: 2,
      rows: rowsFor((s) => s.disarm + s.rm),
    };
    const memTable: MeasureTable = {
      caption: `memory while armed: module core size (/sys/module/M/coresize), ${ref}`,
      unit: 'KiB',
      digits: 1,
      rows: rowsFor((s) => s.coresize, (s) => s.coresize, (b) => b / 1024),
    };
    const memFreeTable: MeasureTable = {
      caption: `kernel allocations from before the load to armed: /proc/meminfo Slab + VmallocUsed + Percpu (the module's vmalloc'd core, the kernel's struct kprobe and ftrace state, guru's rings and tables; slab grows by whole slabs), ${ref}`,
      unit: 'KiB',
      digits: 0,
      rows: rowsFor((s) => s.alloc, (s) => s.alloc, (kb) => kb),
    };
    const probesTable: MeasureTable = {
      caption: `kprobes the kernel lists while armed (/sys/kernel/debug/kprobes/list, added by the module), ${ref}`,
      unit: 'probes',
      digits: 0,
      rows: rowsFor((s) => s.kprobes, (s) => s.kprobes, (x) => x),
    };
    const buildRows = (f: (t: Time) => number): Measure[] =>
      opts.sizes.flatMap((n) => [
        { name: `floor kbuild, ${n} probes`, samples: (builds.get(`floor ${n}`) ?? []).map(f) },
        { name: `guru build, ${n} probes`, samples: (builds.get(`guru ${n}`) ?? []).map(f), vs: `floor kbuild, ${n} probes` },
      ]);
    const buildWall: MeasureTable = { caption: `build on the host, wall time, ${ref}`, unit: 's', digits: 2, rows: buildRows((t) => t.wall) };
    const buildCpu: MeasureTable = { caption: `build on the host, CPU time (user + sys, with children), ${ref}`, unit: 's', digits: 2, rows: buildRows((t) => t.cpu) };
    const sizeTable: MeasureTable = {
      caption: `.ko file size, ${ref}`,
      unit: 'KiB',
      digits: 1,
      rows: opts.sizes.flatMap((n) => [
        { name: `floor, ${n} probes`, samples: [koSize.get(`floor ${n}`)! / 1024] },
        { name: `guru, ${n} probes`, samples: [koSize.get(`guru ${n}`)! / 1024], vs: `floor, ${n} probes` },
      ]),
    };

    const targets: Target[] = [];
    const ratioAt = (f: (s: Sample) => number, n: number): { g: number; fl: number } | undefined => {
      const g = col(`guru ${n}`, f);
      const fl = col(`floor ${n}`, f);
      return g.length && fl.length ? { g: median(g), fl: median(fl) } : undefined;
    };
    for (const [what, f] of [
      ['arm (load to armed)', (s: Sample) => s.load + s.arm],
      ['disarm and rmmod', (s: Sample) => s.disarm + s.rm],
    ] as const) {
      const per = opts.sizes.map((n) => ({ n, r: ratioAt(f, n) }));
      const worst = per.filter((p) => p.r).map((p) => ({ n: p.n, x: p.r!.g / p.r!.fl }));
      targets.push({
        text: `guru ${what} <= ${ARM_TARGET}x the floor's at every size (guest instructions), ${opts.kernel}`,
        figure: per.map((p) => (p.r ? `${p.n}: ${(p.r.g / p.r.fl).toFixed(2)}x (${ms(p.r.g).toFixed(2)} vs ${ms(p.r.fl).toFixed(2)} ms)` : `${p.n}: -`)).join('; '),
        holds: worst.length === opts.sizes.length ? worst.every((w) => w.x <= ARM_TARGET) : undefined,
        why: worst.length === opts.sizes.length ? undefined : 'some sizes have no figures (see the tables)',
      });
    }
    if (opts.sizes.includes(10) && opts.sizes.includes(100) && opts.sizes.includes(1000)) {
      const cpu = (n: number): number => Math.min(...(builds.get(`guru ${n}`) ?? []).map((t) => t.cpu));
      const low = (cpu(100) - cpu(10)) / 90;
      const high = (cpu(1000) - cpu(100)) / 900;
      targets.push({
        text: `guru build grows no worse than linearly: CPU per added probe from 100 to 1000 <= ${BUILD_SLOPE_TARGET}x that from 10 to 100 (min of runs), ${opts.kernel}`,
        figure: `${(high * 1000).toFixed(1)} ms/probe vs ${(low * 1000).toFixed(1)} ms/probe (${(high / low).toFixed(2)}x); CPU ${cpu(10).toFixed(2)}, ${cpu(100).toFixed(2)}, ${cpu(1000).toFixed(2)} s at 10, 100, 1000`,
        holds: high <= BUILD_SLOPE_TARGET * Math.max(low, 1e-4),
      });
    }
    const section: Section = {
      title: `Scale on ${ref}`,
      how: [
        `probes: wildcards over ACPI's functions chosen from the kernel's System.map to match exactly ${opts.sizes.join(', ')} functions, none in init, noinstr, entry or kprobes text: ${chosen.map((c) => `${c.n}: ${c.patterns.length <= 4 ? c.patterns.join(' ') : `${c.patterns.slice(0, 3).join(' ')} ... (${c.patterns.length} patterns)`}`).join('; ')}`,
        'guru: one kprobe: wildcard probe per pattern, if: comm == "nomatch", count("hits"); floor: a generated samples/kprobes-style module with the same function list (static struct kprobe array, register_kprobe() each, unregister_kprobes() on the batch), its handler checking the comm',
        `build: on the host, ${opts.buildRuns} runs of each, sizes and tools interleaved; guru build --kernel (a whole process; the spec new to the cache, its runtime object already built for the kernel) against make M=DIR modules in a fresh folder; wall and CPU (user + sys of it and its children)`,
        `guest: one boot under QEMU TCG -icount shift=0,sleep=off (1 vCPU), ${opts.rounds} rounds, every size and both modules in each, the order of the two reversed every other round; bench/scale/scalectl.c times each system call with the guest's CLOCK_MONOTONIC in one process. Under -icount the guest clock is the guest's instruction count (1 ns each) plus idle time skipped to the next timer (a synchronize_rcu()'s wait counts as its virtual length): repeatable, not host wall time`,
        'arm: floor = finit_module (it registers, and so arms, each kprobe); guru = finit_module (registers them disabled) + "arm" on the control file (enable_kprobe each). disarm: floor = delete_module; guru = "disarm" (+ close) + delete_module',
      ],
      load: { before: loadBefore, after: loadAfter },
      tables: [armTable, disarmTable, guruSplit, buildWall, buildCpu, sizeTable, memTable, memFreeTable, probesTable],
      targets,
      notes: [
        kernelLog.length ? `the guest's kernel log had warnings:\n${kernelLog.join('\n')}` : "the guest's kernel log held no WARNING, BUG or Oops after all runs",
        ...[...errors].map(([k, e]) => `${k}: failed in the guest: ${e}`),
      ],
    };
    const text = [
      section.title,
      ...section.how.map((h) => `  ${h}`),
      `  load average: ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`,
      '',
      ...section.tables.flatMap((t) => [...formatTable(t), '']),
      ...targets.map((t) => `${t.text}: ${t.figure}: ${t.holds === undefined ? 'not measured' : t.holds ? 'holds' : 'DOES NOT HOLD'}`),
      ...section.notes,
    ].join('\n');
    return { text, section };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** make M=DIR modules against the kernel's headers (in its build root for 7.x), timed. */
async function makeModule(kernel: StoredKernel, dir: string): Promise<Time> {
  const args = ['-C', kernel.headersDir, `M=${dir}`, 'modules'];
  if (!kernel.buildRoot) return timed('make', args);
  const { buildRootCommand } = await import('../src/kbuild/buildRootMake.js');
  const c = buildRootCommand(kernel.buildRoot.dir, args, [kernel.headersDir, dir]);
  return timed(c.file, c.args, { env: { ...process.env, ...c.env } });
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  measureScale({
    kernel: arg('kernel', 'debian:6.1'),
    rounds: Number(arg('rounds', '3')),
    buildRuns: Number(arg('build-runs', '2')),
    sizes: arg('sizes', SCALE_SIZES.join(',')).split(',').map(Number),
  })
    .then((r) => console.log(r.text))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
