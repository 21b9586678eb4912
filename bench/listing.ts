// Listing and statement resolution: `guru list` and `guru list -v` against
// `stap -L` (SystemTap 5.6, DWARF) and `bpftrace -l`/`-lv` (0.27, the
// running kernel's BTF and tracefs), on the same kernel: time and peak RSS
// from GNU time (/usr/bin/time -f '%e %M'), lines of output.
//
// On the host, against the store's kernel (its vmlinux with DWARF):
//   guru list 'kprobe:vfs_*' [-v] --kernel K
//   stap -L 'kernel.function("vfs_*")' -r RELEASE          (in the sid root)
//   guru list -v 'statement:vfs_read@fs/read_write.c:478' --kernel K
//   stap -L 'kernel.statement("vfs_read@fs/read_write.c:478")' -r RELEASE
// In a guest booted on the same kernel (bpftrace lists only the running kernel):
//   guru list -v 'kprobe:vfs_*'                             (the running kernel: kallsyms, tracefs, BTF)
//   bpftrace -l 'kprobe:vfs_*', bpftrace -lv 'kprobe:vfs_*', bpftrace -lv 'fentry:vfs_*'
// RUNS rounds of each, the conditions interleaved in each round.
//
// Usage: npm run build && node dist/bench/listing.js [--kernel debian:6.1] [--runs 3]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureKernel } from '../src/kernelStore/ensureKernel.js';
import { projectRoot } from '../src/projectRoot.js';
import { runInVm } from '../src/vm/runInVm.js';
import { shellQuote } from '../src/vm/shellQuote.js';
import { anchorRootInGuest, inAnchorRoot, prepareKernel } from './anchors/inAnchorRoot.js';
import { median } from './median.js';
import { formatTable } from './results/formatResults.js';
import type { Measure, MeasureTable, Section } from './results/types.js';

export interface ListingOptions {
  kernel: string;
  runs: number;
}

interface Sample {
  seconds: number;
  rssMb: number;
  lines: number;
}

const FUNCS = 'vfs_*';
// One line (its number is 6.1's, the kernel this runs on): 'vfs_read@fs/read_write.c:*', every line
// with its variables, took guru 317 s on this host (one line: 4 s), too long to repeat here.
const STMT = { func: 'vfs_read', file: 'fs/read_write.c', line: '478' };

export async function measureListing(opts: ListingOptions): Promise<{ text: string; section: Section }> {
  const kernel = await ensureKernel(opts.kernel, { debuginfo: true });
  prepareKernel(kernel);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-bench-list-'));
  try {
    // GNU time, where the sid root (which has none) sees it too.
    fs.copyFileSync('/usr/bin/time', path.join(dir, 'time'));
    fs.chmodSync(path.join(dir, 'time'), 0o755);
    const gnuTime = path.join(dir, 'time');
    const guru = [process.execPath, path.join(projectRoot(), 'bin/guru.js')];
    const parse = (stderr: string, stdout: string): Sample | string => {
      const m = /^TIME ([\d.]+) (\d+) (\d+)$/m.exec(stderr);
      if (!m) return stderr.trim().split('\n').slice(-4).join(' ') || 'no output';
      if (m[3] !== '0') return `exited ${m[3]}: ${stderr.replace(/^TIME.*$/m, '').trim().split('\n').slice(-3).join(' ')}`;
      return { seconds: Number(m[1]), rssMb: Number(m[2]) / 1024, lines: stdout.split('\n').filter((l) => l.trim()).length };
    };
    const fmt = ['-f', 'TIME %e %M %x'];
    const host: { name: string; run: () => Promise<Sample | string> }[] = [
      ...(['', '-v'] as const).map((v) => ({
        name: `host: guru list ${v ? '-v ' : ''}'kprobe:${FUNCS}'`,
        run: async () => {
          const r = spawnSync(gnuTime, [...fmt, ...guru, 'list', `kprobe:${FUNCS}`, ...(v ? [v] : []), '--kernel', opts.kernel], { encoding: 'utf8', maxBuffer: 256 << 20 });
          return parse(r.stderr, r.stdout);
        },
      })),
      {
        name: `host: stap -L 'kernel.function("${FUNCS}")'`,
        run: async () => {
          const r = await inAnchorRoot(`${shellQuote(gnuTime)} -f 'TIME %e %M %x' stap -L ${shellQuote(`kernel.function("${FUNCS}")`)} -r ${shellQuote(kernel.release)}`, [dir]);
          return parse(r.stderr, r.stdout);
        },
      },
      {
        name: `host: guru list -v 'statement:${STMT.func}@${STMT.file}:${STMT.line}'`,
        run: async () => {
          const r = spawnSync(gnuTime, [...fmt, ...guru, 'list', `statement:${STMT.func}@${STMT.file}:${STMT.line}`, '-v', '--kernel', opts.kernel], { encoding: 'utf8', maxBuffer: 256 << 20 });
          return parse(r.stderr, r.stdout);
        },
      },
      {
        name: `host: stap -L 'kernel.statement("${STMT.func}@${STMT.file}:${STMT.line}")'`,
        run: async () => {
          const r = await inAnchorRoot(`${shellQuote(gnuTime)} -f 'TIME %e %M %x' stap -L ${shellQuote(`kernel.statement("${STMT.func}@${STMT.file}:${STMT.line}")`)} -r ${shellQuote(kernel.release)}`, [dir]);
          return parse(r.stderr, r.stdout);
        },
      },
    ];
    const loadBefore = os.loadavg()[0]!;
    const samples = new Map<string, Sample[]>();
    const errors = new Map<string, string>();
    const record = (name: string, s: Sample | string): void => {
      if (typeof s === 'string') errors.set(name, s);
      else samples.set(name, [...(samples.get(name) ?? []), s]);
    };
    for (let r = 0; r < opts.runs; r++) for (const c of host) record(c.name, await c.run());

    const guest = [
      { name: `guest: guru list -v 'kprobe:${FUNCS}'`, sh: `${guru.map(shellQuote).join(' ')} list -v 'kprobe:${FUNCS}'` },
      { name: `guest: bpftrace -l 'kprobe:${FUNCS}'`, sh: `anchor ${gnuTime} -f 'TIME %e %M %x' bpftrace -l 'kprobe:${FUNCS}'`, anchor: true },
      { name: `guest: bpftrace -lv 'kprobe:${FUNCS}'`, sh: `anchor ${gnuTime} -f 'TIME %e %M %x' bpftrace -lv 'kprobe:${FUNCS}'`, anchor: true },
      { name: `guest: bpftrace -lv 'fentry:${FUNCS}'`, sh: `anchor ${gnuTime} -f 'TIME %e %M %x' bpftrace -lv 'fentry:${FUNCS}'`, anchor: true },
    ];
    const script = [
      anchorRootInGuest([dir]),
      `for r in $(seq ${opts.runs}); do`,
      ...guest.flatMap((c, i) => [
        `  ${c.anchor ? c.sh : `${gnuTime} -f 'TIME %e %M %x' ${c.sh}`} > /tmp/l.out 2> /tmp/l.err`,
        `  echo "l ${i} $(grep -c . /tmp/l.out) $(grep '^TIME' /tmp/l.err)"`,
        `  grep -q '^TIME .* 0$' /tmp/l.err || grep -v '^TIME' /tmp/l.err | tail -3 | sed 's/^/e ${i} /'`,
      ]),
      'done',
    ].join('\n');
    const vm = await runInVm({ kernel, argv: ['sh', '-c', script], timeoutMs: 3_600_000, stdio: 'pipe', memMB: 2048 });
    const loadAfter = os.loadavg()[0]!;
    const out = vm.stdout?.toString() ?? '';
    for (const m of out.matchAll(/^l (\d+) (\d+) TIME ([\d.]+) (\d+) (\d+)$/gm)) {
      const c = guest[Number(m[1])]!;
      if (m[5] === '0') record(c.name, { seconds: Number(m[3]), rssMb: Number(m[4]) / 1024, lines: Number(m[2]) });
    }
    for (const m of out.matchAll(/^e (\d+) (.*)$/gm)) {
      const name = guest[Number(m[1])]!.name;
      errors.set(name, `${errors.get(name) ? `${errors.get(name)} ` : ''}${m[2]}`);
    }
    const names = [...host.map((c) => c.name), ...guest.map((c) => c.name)];
    const ref = `${opts.kernel} (${kernel.release})`;
    const table = (caption: string, unit: string, digits: number, f: (s: Sample) => number): MeasureTable => ({
      caption: `${caption}, ${ref}`,
      unit,
      digits,
      rows: names.map((name): Measure => ({ name, samples: (samples.get(name) ?? []).map(f), note: samples.get(name)?.length ? undefined : errors.get(name) ?? 'no figures' })),
    });
    const med = (name: string, f: (s: Sample) => number): string => (samples.get(name)?.length ? median(samples.get(name)!.map(f)).toFixed(2) : '-');
    const section: Section = {
      title: `Listing and statement resolution on ${ref}`,
      how: [
        `GNU time (%e wall seconds, %M peak RSS) around each process, ${opts.runs} rounds, conditions interleaved in each round; "lines" counts the non-empty lines each printed`,
        `host: against the kernel store's ${kernel.release} (System.map, BTF, vmlinux with DWARF), guru from the host's node, stap -L -r in the sid root (chroot; its RSS is the largest process of the tree GNU time waited for)`,
        `guest: one boot under ${vm.accel.toUpperCase()} (${vm.accelReason}) on the same kernel, which bpftrace needs (it lists the running kernel: tracefs and /sys/kernel/btf/vmlinux); guru list there reads the running kernel too; wall time under TCG, not comparable with the host's`,
        'wall times on a shared host: noisy; the load average is beside them',
      ],
      load: { before: loadBefore, after: loadAfter },
      tables: [table('wall time', 's', 2, (s) => s.seconds), table('peak RSS', 'MiB', 0, (s) => s.rssMb), table('lines of output', 'lines', 0, (s) => s.lines)],
      targets: [],
      notes: [
        `host medians: guru list -v ${med(host[1]!.name, (s) => s.seconds)} s / ${med(host[1]!.name, (s) => s.rssMb)} MiB vs stap -L ${med(host[2]!.name, (s) => s.seconds)} s / ${med(host[2]!.name, (s) => s.rssMb)} MiB (functions); statement: guru ${med(host[3]!.name, (s) => s.seconds)} s / ${med(host[3]!.name, (s) => s.rssMb)} MiB vs stap ${med(host[4]!.name, (s) => s.seconds)} s / ${med(host[4]!.name, (s) => s.rssMb)} MiB`,
        ...[...errors].map(([name, e]) => `${name}: ${e}`),
      ],
    };
    const text = [section.title, ...section.how.map((h) => `  ${h}`), `  load average: ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`, '', ...section.tables.flatMap((t) => [...formatTable(t), '']), ...section.notes].join('\n');
    return { text, section };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  measureListing({ kernel: arg('kernel', 'debian:6.1'), runs: Number(arg('runs', '3')) })
    .then((r) => console.log(r.text))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
