// Event throughput: how many events a second reach the supervisor when a
// probe fires as fast as a program can make it, with exact drop
// accounting, against bpftrace's printf on the same probe, in the same boot.
//
//   guru      guru apply on kprobe:ksys_write, if: comm == "bench_hit", log("%d", $count),
//             --run the loop, events to a file; emitted, delivered and dropped from its summary
//   bpftrace  bpftrace -e 'kprobe:ksys_write /comm == "bench_hit"/ { printf("%d\n", arg2); }' -c the loop,
//             its output to a file; delivered = lines printed, dropped = its "Lost N events"
// The loop (bench/overhead/write_loop.c) makes 1000 warm-up write(2)s and
// then WRITES timed ones, all of them hits: emitted is WRITES + 1000 for both.
// Rate = delivered / the loop's time (guest clock).
//
// Two boots, rounds interleaved in each: under -icount shift=0,sleep=off
// (the guest clock counts instructions: events per 10^9 guest instructions,
// repeatable) and plain TCG (events per guest second, noisy on this host).
//
// Usage: npm run build && node dist/bench/throughput.js [--kernel debian:6.1] [--rounds 3] [--writes 20000]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildModule } from '../src/kbuild/kbuild.js';
import { ensureKernel } from '../src/kernelStore/ensureKernel.js';
import { headersKernelFacts } from '../src/kernelFacts/headersKernelFacts.js';
import { storedKernelTarget } from '../src/kernelFacts/kernelTarget.js';
import { buildPlan } from '../src/plan/buildPlan.js';
import { parseSpec } from '../src/parseSpec.js';
import { projectRoot } from '../src/projectRoot.js';
import { runInVm } from '../src/vm/runInVm.js';
import { anchorRootInGuest } from './anchors/inAnchorRoot.js';
import { median } from './median.js';
import { formatTable } from './results/formatResults.js';
import type { Measure, MeasureTable, Section, Target } from './results/types.js';

export const EVENTS_SPEC = `guru: 1
name: bench_events
probes:
  - on: kprobe:ksys_write
    if: comm == "bench_hit"
    do:
      - log("%d", $count)
`;
export const BPFTRACE_EVENTS = 'kprobe:ksys_write /comm == "bench_hit"/ { printf("%d\\n", arg2); }';

export interface ThroughputOptions {
  kernel: string;
  rounds: number;
  writes: number;
}

interface Run {
  loopNs: number;
  emitted: number;
  delivered: number;
  dropped: number;
}

export async function measureThroughput(opts: ThroughputOptions): Promise<{ text: string; section: Section }> {
  const kernel = await ensureKernel(opts.kernel);
  const target = storedKernelTarget(kernel);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-bench-events-'));
  try {
    const specFile = path.join(dir, 'bench_events.yaml');
    fs.writeFileSync(specFile, EVENTS_SPEC);
    const ko = (await buildModule(buildPlan(parseSpec(specFile, EVENTS_SPEC), headersKernelFacts(target)), target)).koPath;
    execFileSync('gcc', ['-O2', '-o', path.join(dir, 'bench_hit'), path.join(projectRoot(), 'bench/overhead/write_loop.c')]);
    fs.writeFileSync(path.join(dir, 'run_hit.sh'), `#!/bin/sh\nexec ${dir}/bench_hit ${opts.writes} > /tmp/loop_ns\n`, { mode: 0o755 });
    const guru = `${process.execPath} ${path.join(projectRoot(), 'bin/guru.js')}`;
    fs.writeFileSync(
      path.join(dir, 'bt.sh'),
      `#!/bin/sh\nrm -f /tmp/loop_ns\nexec bpftrace -q -e '${BPFTRACE_EVENTS}' -c '/bin/sh ${dir}/run_hit.sh' > /tmp/bt.out 2> /tmp/bt.err\n`,
      { mode: 0o755 },
    );
    // Both write their output to a tmpfs file, the guru summary goes to its own; the loop's time to /tmp/loop_ns.
    // The anchor root's /tmp is its own tmpfs: bpftrace's -c script writes there, read through the chroot.
    const script = [
      anchorRootInGuest([dir]),
      `for r in $(seq ${opts.rounds}); do`,
      `  rm -f /tmp/loop_ns /tmp/ev.out /tmp/ev.err`,
      `  ${guru} apply ${ko} -o /tmp/ev.out --run '/bin/sh ${dir}/run_hit.sh' 2>/tmp/ev.err || true`,
      `  echo "g $r $(cat /tmp/loop_ns 2>/dev/null || echo -) $(grep -o 'events: [0-9]* emitted = [0-9]* delivered + [0-9]* dropped' /tmp/ev.err | tr -dc '0-9 ' | tr -s ' ')"`,
      `  grep -q 'emitted' /tmp/ev.err || sed 's/^/e guru /' /tmp/ev.err | tail -5`,
      `  anchor /bin/sh ${dir}/bt.sh`,
      `  echo "b $r $(anchor cat /tmp/loop_ns 2>/dev/null || echo -) $(anchor grep -c -E '^[0-9]+$' /tmp/bt.out) $(anchor grep -o -i -E 'lost [0-9]+' /tmp/bt.err | tr -dc '0-9\\n' | awk '{s+=$1} END {print s+0}')"`,
      `  anchor grep -q -E '^[0-9]+$' /tmp/bt.out || anchor tail -5 /tmp/bt.err | sed 's/^/e bpftrace /'`,
      'done',
    ].join('\n');
    const measure = async (icount: boolean): Promise<{ guru: Run[]; bpftrace: Run[]; errors: string[]; accel: string }> => {
      const r = await runInVm({ kernel, argv: ['sh', '-c', script], timeoutMs: 3_600_000, stdio: 'pipe', icount, memMB: 2048 });
      const out = r.stdout?.toString() ?? '';
      const guruRuns: Run[] = [];
      const btRuns: Run[] = [];
      for (const m of out.matchAll(/^g \d+\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/gm)) guruRuns.push({ loopNs: Number(m[1]), emitted: Number(m[2]), delivered: Number(m[3]), dropped: Number(m[4]) });
      for (const m of out.matchAll(/^b \d+\s+(\d+)\s+(\d+)\s+(\d+)\s*$/gm)) {
        const delivered = Number(m[2]);
        const dropped = Number(m[3]);
        btRuns.push({ loopNs: Number(m[1]), emitted: delivered + dropped, delivered, dropped });
      }
      const errors = [...out.matchAll(/^e (.*)$/gm)].map((m) => m[1]!);
      if (!guruRuns.length && !btRuns.length) throw new Error(`no measurements from the guest:\n${out}${r.stderr?.toString() ?? ''}`);
      return { guru: guruRuns, bpftrace: btRuns, errors, accel: `${r.accel.toUpperCase()} (${r.accelReason})` };
    };
    const loadBefore = os.loadavg()[0]!;
    const insns = await measure(true);
    const wall = await measure(false);
    const loadAfter = os.loadavg()[0]!;
    const ref = `${opts.kernel} (${kernel.release})`;
    const expected = opts.writes + 1000;
    const rate = (r: Run): number => r.delivered / (r.loopNs / 1e9);
    const rows = (m: typeof insns, f: (r: Run) => number): Measure[] => [
      { name: 'guru apply (log)', samples: m.guru.map(f), vs: 'bpftrace printf', note: m.guru.length ? undefined : m.errors.filter((e) => e.startsWith('guru')).join(' ') || 'no figures' },
      { name: 'bpftrace printf', samples: m.bpftrace.map(f), note: m.bpftrace.length ? undefined : m.errors.filter((e) => e.startsWith('bpftrace')).join(' ') || 'no figures' },
    ];
    const tables: MeasureTable[] = [
      { caption: `events delivered per 10^9 guest instructions (-icount: delivered / loop time), ${ref}`, unit: 'k events/s', digits: 1, rows: rows(insns, (r) => rate(r) / 1000) },
      { caption: `events delivered per guest second (plain TCG), ${ref}`, unit: 'k events/s', digits: 1, rows: rows(wall, (r) => rate(r) / 1000) },
      { caption: `delivered, of ${expected} emitted (-icount boot)`, unit: 'events', digits: 0, rows: rows(insns, (r) => r.delivered) },
      { caption: `dropped (-icount boot): guru's summary; bpftrace's "Lost N events"`, unit: 'events', digits: 0, rows: rows(insns, (r) => r.dropped) },
      { caption: `delivered, of ${expected} emitted (plain TCG boot)`, unit: 'events', digits: 0, rows: rows(wall, (r) => r.delivered) },
      { caption: `dropped (plain TCG boot)`, unit: 'events', digits: 0, rows: rows(wall, (r) => r.dropped) },
    ];
    const all = [...insns.guru, ...wall.guru];
    const balanced = all.every((r) => r.emitted === r.delivered + r.dropped);
    const exact = all.every((r) => r.emitted === expected);
    const btAll = [...insns.bpftrace, ...wall.bpftrace];
    const btExact = btAll.every((r) => r.delivered + r.dropped === expected);
    const gi = insns.guru.map(rate);
    const bi = insns.bpftrace.map(rate);
    const targets: Target[] = [
      {
        text: `guru's drop accounting is exact: emitted = delivered + dropped, and emitted = the loop's ${expected} write(2)s, every run, ${opts.kernel}`,
        figure: all.map((r) => `${r.emitted} = ${r.delivered} + ${r.dropped}`).join('; ') || '-',
        holds: all.length ? balanced && exact : undefined,
      },
    ];
    const section: Section = {
      title: `Event throughput on ${ref}`,
      how: [
        `guru apply (the supervisor in the guest, node over 9p) on kprobe:ksys_write with if: comm == "bench_hit" and log("%d", $count), --run the loop, events to a tmpfs file; bpftrace -q -e '${BPFTRACE_EVENTS}' -c the loop, its output to a tmpfs file (from the sid root)`,
        `the loop: bench/overhead/write_loop.c, 1000 warm-up and ${opts.writes} timed write(2)s to /dev/null, every one a hit (${expected} events emitted); rate = delivered / the timed loop's duration on the guest clock (events delivered after the loop, while draining, count too)`,
        `guru: emitted, delivered, dropped from its summary; bpftrace: delivered = lines printed, dropped = the sum of its "Lost N events" messages (it has no emitted figure: emitted = delivered + dropped by construction)`,
        `${opts.rounds} rounds of each, interleaved, in one boot per measure: -icount shift=0,sleep=off (guest clock = instruction count: events per 10^9 instructions, repeatable) and plain TCG (guest seconds, noisy)`,
      ],
      load: { before: loadBefore, after: loadAfter },
      tables,
      targets,
      notes: [
        gi.length && bi.length ? `median under -icount: guru ${(median(gi) / 1000).toFixed(1)}k, bpftrace ${(median(bi) / 1000).toFixed(1)}k events per 10^9 instructions (${(median(gi) / median(bi)).toFixed(2)}x)` : 'one of the two has no figures under -icount',
        btAll.length ? `bpftrace's delivered + lost ${btExact ? 'equals' : 'does not equal'} the ${expected} hits in every run (${btAll.map((r) => r.delivered + r.dropped).join(', ')})` : 'bpftrace: no figures',
        ...[...new Set([...insns.errors, ...wall.errors])].map((e) => `guest: ${e}`),
      ],
    };
    const text = [
      section.title,
      ...section.how.map((h) => `  ${h}`),
      `  load average: ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after; guests under ${insns.accel}`,
      '',
      ...tables.flatMap((t) => [...formatTable(t), '']),
      ...targets.map((t) => `${t.text}: ${t.figure}: ${t.holds === undefined ? 'not measured' : t.holds ? 'holds' : 'DOES NOT HOLD'}`),
      ...section.notes,
    ].join('\n');
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
  measureThroughput({ kernel: arg('kernel', 'debian:6.1'), rounds: Number(arg('rounds', '3')), writes: Number(arg('writes', '20000')) })
    .then((r) => console.log(r.text))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
